from django.urls import path

from simplecommercesync.connections import views

app_name = "connections"

urlpatterns = [
    path("settings/connections/", views.page, name="page"),
    path("settings/connections/scopes/", views.scopes, name="scopes"),
    path("settings/connections/<str:provider_key>/connect/", views.connect, name="connect"),
    path("settings/connections/<str:provider_key>/callback/", views.callback, name="callback"),
    path("settings/connections/<str:provider_key>/disconnect/", views.disconnect_view, name="disconnect"),
    path("settings/connections/<str:provider_key>/test/", views.test_view, name="test"),
]
