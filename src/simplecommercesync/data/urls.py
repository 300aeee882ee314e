from django.urls import path

from simplecommercesync.data import views

app_name = "data"

urlpatterns = [
    path("data/", views.index, name="index"),
    path("data/<str:sync_type_key>/", views.record_list, name="list"),
    path("data/<str:sync_type_key>/export.csv", views.export_csv, name="export"),
    path("data/<str:sync_type_key>/retry-failed/", views.retry_all_failed, name="retry_failed"),
    path("data/<str:sync_type_key>/<int:record_id>/", views.record_detail, name="detail"),
    path("data/<str:sync_type_key>/<int:record_id>/retry/", views.retry, name="retry"),
]
