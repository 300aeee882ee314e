"""Settings → Sync's addresses: each sync type's own pages (from its declaration), then Tax and
Preview, which belong to this app."""

from django.urls import path

from simplecommercesync.sync_settings import preview, views
from simplecommercesync.sync_settings.tabs import TYPE_PAGES

app_name = "sync_settings"

urlpatterns = [
    path("settings/sync/", views.index, name="index"),
    *(pattern for pages in TYPE_PAGES.values() for pattern in pages),
    path("settings/sync/tax/", views.tax, name="tax"),
    path("settings/sync/<str:sync_type>/preview/", preview.preview, name="preview"),
    path("settings/sync/tax/refresh/", views.tax_refresh, name="tax_refresh"),
    path("settings/sync/tax/mappings/", views.mapping_add, name="mapping_add"),
    path("settings/sync/tax/mappings/<int:mapping_id>/", views.mapping_edit, name="mapping_edit"),
    path("settings/sync/tax/mappings/<int:mapping_id>/delete/", views.mapping_delete, name="mapping_delete"),
]
