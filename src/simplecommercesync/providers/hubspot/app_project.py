"""The HubSpot app as code: a developer-platform project (`hsproject.json`, `src/app/app-hsmeta.json`,
`src/app/webhooks/webhooks-hsmeta.json`; developers.hubspot.com "App configuration" and "Configure
webhooks").

HubSpot refuses an install whose authorize URL asks for a scope the app doesn't declare, so the
scopes come from the HubSpot provider the Connect button uses; the redirect URL and webhook target
from SCS_BASE_URL; the subscriptions from whoever acts on the events (`sync/hubspot_app_project.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from simplecommercesync.providers.hubspot.connection import HubSpotProvider

PLATFORM_VERSION = "2025.2"
APP_UID = "simplecommercesync"
APP_NAME = "SimpleCommerceSync"
APP_DESCRIPTION = (
    "Keeps HubSpot and QuickBooks Online in step: invoices, quotes and estimates, payments, products "
    "(matched by SKU), customers (matched by email) and tax, within seconds, with a log of every record."
)
CALLBACK_PATH = "/settings/connections/hubspot/callback/"
WEBHOOK_PATH = "/webhooks/hubspot/"
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


def project_files(base_url: str, subscriptions: list[Subscription], *,
                  distribution: str = "marketplace") -> dict[str, dict[str, object]]:
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
                    "crmObjects": [s.as_json() for s in subscriptions if not s.legacy],
                    "legacyCrmObjects": [s.as_json() for s in subscriptions if s.legacy],
                },
            },
        },
    }


def write_project(directory: Path, base_url: str, subscriptions: list[Subscription], *,
                  distribution: str = "marketplace") -> list[Path]:
    written = []
    for relative, document in project_files(base_url, subscriptions, distribution=distribution).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
