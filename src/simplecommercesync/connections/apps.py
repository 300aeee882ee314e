from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "simplecommercesync.connections"
    label = "connections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The task module receives `refresh_due`; importing it here connects the receiver in every
        # process (web and worker), not only where Huey autodiscovers tasks.
        from simplecommercesync.connections import tasks  # noqa: F401, PLC0415 (Django's place for receivers)
