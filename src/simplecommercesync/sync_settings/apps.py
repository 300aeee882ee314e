from django.apps import AppConfig


class SyncSettingsConfig(AppConfig):
    name = "simplecommercesync.sync_settings"
    label = "sync_settings"
