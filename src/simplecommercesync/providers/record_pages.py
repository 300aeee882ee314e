"""Links from a sync record to the object's own page in HubSpot and in QuickBooks.

The hosts come from the configured provider URLs, so in demo mode the links lead to the
emulators and in production to app.hubspot.com / app.qbo.intuit.com.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.conf import settings

from simplecommercesync.providers.hubspot.object_types import OBJECT_TYPE_IDS

# QuickBooks Online's own pages per entity (the URLs of its web app: invoice?txnId=, customerdetail?nameId=).
QUICKBOOKS_PAGES = {"Invoice": "app/invoice?txnId=", "Customer": "app/customerdetail?nameId=",
                    "Payment": "app/recvpayment?txnId=", "Estimate": "app/estimate?txnId="}
QUICKBOOKS_APP_HOSTS = {"production": "https://app.qbo.intuit.com", "sandbox": "https://app.sandbox.qbo.intuit.com"}


def hubspot_record_url(portal_id: str, hubspot_object: str, object_id: str) -> str:
    # HubSpot record pages are /contacts/{portalId}/record/{objectTypeId}/{objectId} for every CRM object.
    type_id = OBJECT_TYPE_IDS.get(hubspot_object)
    if not (type_id and portal_id and object_id):
        return ""
    base = settings.SCS_HUBSPOT.auth_base_url.rstrip("/")
    return f"{base}/contacts/{quote(str(portal_id))}/record/{type_id}/{quote(str(object_id))}"


def quickbooks_app_base() -> str:
    app = settings.SCS_QUICKBOOKS
    parts = urlsplit(app.api_base_url)
    if (parts.hostname or "").endswith("intuit.com"):
        return QUICKBOOKS_APP_HOSTS.get(app.environment, QUICKBOOKS_APP_HOSTS["sandbox"])
    # Not Intuit's servers: the QuickBooks emulator of demo mode and tests.
    return f"{parts.scheme}://{parts.netloc}"


def quickbooks_record_url(entity: str, object_id: str) -> str:
    page = QUICKBOOKS_PAGES.get(entity)
    if not (page and object_id):
        return ""
    return f"{quickbooks_app_base()}/{page}{quote(str(object_id))}"
