from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "simplecommercesync.data"
    label = "data"
