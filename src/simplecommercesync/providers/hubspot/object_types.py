"""HubSpot's CRM objects as its APIs and webhooks name them.

Object type ids: knowledge.hubspot.com, "Understand object type IDs" (record pages are
/contacts/{portalId}/record/{objectTypeId}/{objectId} for every CRM object). Webhooks:
developers.hubspot.com/docs/api/webhooks — contacts, products and line items keep their legacy
`contact.*` / `product.*` / `line_item.*` events; every other object, invoices included (there is no
`invoice.*`), arrives as `object.*` with its objectTypeId.
"""

from __future__ import annotations

OBJECT_TYPE_IDS = {"contacts": "0-1", "products": "0-7", "line_items": "0-8", "quotes": "0-14",
                   "invoices": "0-53", "commerce_payments": "0-101"}
OBJECTS_BY_TYPE_ID = {type_id: name for name, type_id in OBJECT_TYPE_IDS.items()}
# `<prefix>.*` webhook events → the object they are about.
LEGACY_EVENT_OBJECTS = {"contact": "contacts", "product": "products", "line_item": "line_items"}
