"""Links to a record's own page in QuickBooks Online (the URLs of its web app: invoice?txnId=,
customerdetail?nameId=, …).

On Intuit's servers the host is app.qbo.intuit.com (or the sandbox's); anywhere else it is the
configured API host, which is the QuickBooks emulator of demo mode and tests.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.conf import settings

# QuickBooks Online's own pages per entity (the URLs of its web app: invoice?txnId=, customerdetail?nameId=).
QUICKBOOKS_PAGES = {"Invoice": "app/invoice?txnId=", "Customer": "app/customerdetail?nameId=",
                    "Payment": "app/recvpayment?txnId=", "Estimate": "app/estimate?txnId="}
QUICKBOOKS_APP_HOSTS = {"production": "https://app.qbo.intuit.com", "sandbox": "https://app.sandbox.qbo.intuit.com"}


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
