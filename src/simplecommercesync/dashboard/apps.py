from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "simplecommercesync.dashboard"
    label = "dashboard"
