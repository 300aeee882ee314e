from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "simplecommercesync.sync"
    label = "sync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers of the connections signals and the Huey tasks register on import: the engine's,
        # the failure alerts' digest, and the two-way syncs' poll and catch-up. Imported here, not
        # from tasks.py, since those modules use tasks.wake (no import cycle).
        from simplecommercesync.sync import alert_tasks, quickbooks_tasks, receivers, tasks  # noqa: F401, PLC0415
