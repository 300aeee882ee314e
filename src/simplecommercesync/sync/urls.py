from django.urls import path

from simplecommercesync.sync import hubspot_webhook_view as views
from simplecommercesync.sync import quickbooks_webhook_view as quickbooks_views

app_name = "sync"

urlpatterns = [
    path("webhooks/hubspot/", views.hubspot_webhook, name="hubspot-webhook"),
    path("webhooks/quickbooks/", quickbooks_views.quickbooks_webhook, name="quickbooks-webhook"),
]
