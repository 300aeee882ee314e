from django.urls import path

from simplecommercesync.sync_settings import payments, preview, products, quotes, views

app_name = "sync_settings"

urlpatterns = [
    path("settings/sync/", views.index, name="index"),
    path("settings/sync/invoices/", views.invoices, name="invoices"),
    path("settings/sync/payments/", payments.payments, name="payments"),
    path("settings/sync/products/", products.products, name="products"),
    path("settings/sync/products/mappings/", products.mapping_add, name="products_mapping_add"),
    path("settings/sync/products/mappings/<int:mapping_id>/delete/", products.mapping_delete,
         name="products_mapping_delete"),
    path("settings/sync/products/full-sync/", products.full_sync, name="products_full_sync"),
    path("settings/sync/products/full-sync/progress/", products.progress, name="products_progress"),
    path("settings/sync/quotes/", quotes.quotes, name="quotes"),
    path("settings/sync/tax/", views.tax, name="tax"),
    path("settings/sync/<str:sync_type>/preview/", preview.preview, name="preview"),
    path("settings/sync/tax/refresh/", views.tax_refresh, name="tax_refresh"),
    path("settings/sync/tax/mappings/", views.mapping_add, name="mapping_add"),
    path("settings/sync/tax/mappings/<int:mapping_id>/", views.mapping_edit, name="mapping_edit"),
    path("settings/sync/tax/mappings/<int:mapping_id>/delete/", views.mapping_delete, name="mapping_delete"),
]
