"""The HubSpot app project of this installation (`scs hubspot-app`), from the product's own facts.

Its webhook subscriptions are exactly the events the sync types act on, built from their own
property lists, so the project can't drift from the code (a test regenerates it and compares).
The project's format, scopes and URLs: `providers/hubspot/app_project.py`.
"""

from __future__ import annotations

from pathlib import Path

from simplecommercesync.providers.hubspot import app_project
from simplecommercesync.providers.hubspot.app_project import Subscription
from simplecommercesync.sync.mapping.customers import CONTACT_PROPERTIES
from simplecommercesync.sync.types.invoices.to_quickbooks import INVOICE_PROPERTIES, LINE_PROPERTIES
from simplecommercesync.sync.types.payments.reading import PAYMENT_PROPERTIES
from simplecommercesync.sync.types.products.fields import DEFAULT_MAPPINGS
from simplecommercesync.sync.types.quotes.pairs import QUOTE_PROPERTIES

# Properties that change on every write or are our own write-back: a subscription to them would only
# wake drains for nothing.
_NOT_WATCHED = frozenset({"hs_lastmodifieddate", "hs_object_source", "hs_object_source_id"})


def _watch(prefix: str, object_type: str, properties: tuple[str, ...], *lifecycle: str) -> list[Subscription]:
    changes = [Subscription(f"{prefix}.propertyChange", object_type, name)
               for name in properties if name not in _NOT_WATCHED]
    return [Subscription(f"{prefix}.{event}", object_type) for event in lifecycle] + changes


def webhook_subscriptions() -> list[Subscription]:
    """Exactly the events the engine acts on (`sync/inbound/hubspot_events.py` sorts them)."""
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
    return app_project.project_files(base_url, webhook_subscriptions(), distribution=distribution)


def write_project(directory: Path, base_url: str, *, distribution: str = "marketplace") -> list[Path]:
    return app_project.write_project(directory, base_url, webhook_subscriptions(), distribution=distribution)
