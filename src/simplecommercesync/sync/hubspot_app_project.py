"""The HubSpot app as code: a developer-platform project generated from the product's own facts.

New HubSpot apps are projects (`hsproject.json`, `src/app/app-hsmeta.json`,
`src/app/webhooks/webhooks-hsmeta.json`; developers.hubspot.com "App configuration" and
"Configure webhooks"), and HubSpot refuses an install whose authorize URL asks for a scope the app
doesn't declare. So the scopes come from the HubSpot provider the Connect button uses, the redirect
URL and webhook target from SCS_BASE_URL, and the subscriptions from the sync types' own property
lists: the project can't drift from the code (a test regenerates it and compares).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from simplecommercesync.providers.hubspot.connection import HubSpotProvider
from simplecommercesync.sync.mapping.customers import CONTACT_PROPERTIES
from simplecommercesync.sync.types.invoices.to_quickbooks import INVOICE_PROPERTIES, LINE_PROPERTIES
from simplecommercesync.sync.types.payments.reading import PAYMENT_PROPERTIES
from simplecommercesync.sync.types.products.fields import DEFAULT_MAPPINGS
from simplecommercesync.sync.types.quotes.pairs import QUOTE_PROPERTIES

PLATFORM_VERSION = "2025.2"
APP_UID = "simplecommercesync"
APP_NAME = "SimpleCommerceSync"
APP_DESCRIPTION = (
    "Keeps HubSpot and QuickBooks Online in step: invoices, quotes and estimates, payments, products "
    "(matched by SKU), customers (matched by email) and tax, within seconds, with a log of every record."
)
CALLBACK_PATH = "/settings/connections/hubspot/callback/"
WEBHOOK_PATH = "/webhooks/hubspot/"
# Properties that change on every write or are our own write-back: a subscription to them would only
# wake drains for nothing.
_NOT_WATCHED = frozenset({"hs_lastmodifieddate", "hs_object_source", "hs_object_source_id"})


@dataclass(frozen=True)
class Subscription:
    """One subscription of webhooks-hsmeta.json; `property_name` only for propertyChange.

    Invoices exist only as generic `object.*` subscriptions (`crmObjects`, with an objectType);
    contacts and line items keep their `contact.*` / `line_item.*` form (`legacyCrmObjects`),
    which is how the engine reads them.
    """

    subscription_type: str
    object_type: str
    property_name: str | None = None

    @property
    def legacy(self) -> bool:
        return not self.subscription_type.startswith("object.")

    def as_json(self) -> dict[str, object]:
        entry: dict[str, object] = {"subscriptionType": self.subscription_type}
        if not self.legacy:
            entry["objectType"] = self.object_type
        if self.property_name:
            entry["propertyName"] = self.property_name
        entry["active"] = True
        return entry


def _watch(prefix: str, object_type: str, properties: tuple[str, ...], *lifecycle: str) -> list[Subscription]:
    changes = [Subscription(f"{prefix}.propertyChange", object_type, name)
               for name in properties if name not in _NOT_WATCHED]
    return [Subscription(f"{prefix}.{event}", object_type) for event in lifecycle] + changes


def webhook_subscriptions() -> list[Subscription]:
    """Exactly the events the engine acts on (sync/hubspot_webhooks.py `sort_events`)."""
    return (
        _watch("object", "invoice", INVOICE_PROPERTIES, "creation", "deletion", "associationChange")
        + _watch("line_item", "line_item", LINE_PROPERTIES, "deletion")
        + _watch("contact", "contact", CONTACT_PROPERTIES)
        + _watch("object", "quote", QUOTE_PROPERTIES, "creation", "deletion")
        + _watch("object", "commerce_payment", PAYMENT_PROPERTIES, "creation", "deletion")
        # Properties added in Manage Mappings are found by polling (within a minute).
        + _watch("product", "product", tuple(m.hubspot_property for m in DEFAULT_MAPPINGS), "creation", "deletion")
    )


def project_files(base_url: str, *, distribution: str = "marketplace") -> dict[str, dict[str, object]]:
    """Relative path → JSON document of the whole project, for SCS_BASE_URL `base_url`."""
    base = base_url.rstrip("/")
    scopes = list(HubSpotProvider().scope_names)
    return {
        "hsproject.json": {"name": "simplecommercesync", "srcDir": "src", "platformVersion": PLATFORM_VERSION},
        "src/app/app-hsmeta.json": {
            "uid": APP_UID,
            "type": "app",
            "config": {
                "name": APP_NAME,
                "description": APP_DESCRIPTION,
                "distribution": distribution,
                "auth": {
                    "type": "oauth",
                    "redirectUrls": [f"{base}{CALLBACK_PATH}"],
                    "requiredScopes": scopes,
                    "optionalScopes": [],
                    "conditionallyRequiredScopes": [],
                },
                "permittedUrls": {"fetch": [], "iframe": [], "img": []},
            },
        },
        "src/app/webhooks/webhooks-hsmeta.json": {
            "uid": f"{APP_UID}-webhooks",
            "type": "webhooks",
            "config": {
                "settings": {"targetUrl": f"{base}{WEBHOOK_PATH}", "maxConcurrentRequests": 10},
                "subscriptions": {
                    "crmObjects": [s.as_json() for s in webhook_subscriptions() if not s.legacy],
                    "legacyCrmObjects": [s.as_json() for s in webhook_subscriptions() if s.legacy],
                },
            },
        },
    }


def write_project(directory: Path, base_url: str, *, distribution: str = "marketplace") -> list[Path]:
    written = []
    for relative, document in project_files(base_url, distribution=distribution).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
