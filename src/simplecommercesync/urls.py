from django.urls import include, path

urlpatterns = [
    path("", include("simplecommercesync.dashboard.urls")),
    path("", include("simplecommercesync.accounts.urls")),
    path("", include("simplecommercesync.connections.urls")),
    path("", include("simplecommercesync.health.urls")),
]

handler403 = "simplecommercesync.accounts.views.permission_denied"
