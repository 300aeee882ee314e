from django.urls import path

from . import quickbooks_views, views

app_name = "sync"

urlpatterns = [
    path("webhooks/hubspot/", views.hubspot_webhook, name="hubspot-webhook"),
    path("webhooks/quickbooks/", quickbooks_views.quickbooks_webhook, name="quickbooks-webhook"),
]
