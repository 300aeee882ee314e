from django.urls import path

from simplecommercesync.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
]
