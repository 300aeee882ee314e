from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "simplecommercesync.health"
    label = "health"
