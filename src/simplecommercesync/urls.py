from django.urls import include, path

urlpatterns = [
    path("", include("simplecommercesync.dashboard.urls")),
    path("", include("simplecommercesync.accounts.urls")),
    path("", include("simplecommercesync.connections.urls")),
    path("", include("simplecommercesync.health.urls")),
    path("", include("simplecommercesync.sync.urls")),
    path("", include("simplecommercesync.sync_settings.urls")),
    path("", include("simplecommercesync.data.urls")),
]

handler403 = "simplecommercesync.accounts.views.permission_denied"
