"""Which product fields sync and how: the default mappings, the added ones, the transforms.

Defaults (always on): Name → Name, SKU → SKU, Price → Unit Price, Description → Description.
Manage Mappings adds a HubSpot product property (custom ones included) ↔ a QuickBooks item field,
with a transform applied on the way to the destination: Direct (as is), Uppercase, Lowercase, or
Currency (an amount with two decimals). Values always flow from the source of truth.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.types.products.models import ProductFieldMapping, ProductTransform

CENT = Decimal("0.01")
# QuickBooks limits (Intuit "Item" entity reference): Name ≤ 100 characters, Description ≤ 4000.
NAME_MAX, DESCRIPTION_MAX = 100, 4000


@dataclass(frozen=True)
class FieldMapping:
    hubspot_property: str
    quickbooks_field: str
    transform: str = ProductTransform.DIRECT
    label: str = ""


DEFAULT_MAPPINGS: tuple[FieldMapping, ...] = (
    FieldMapping("name", "Name", label="Name → Name"),
    FieldMapping("hs_sku", "Sku", label="SKU → SKU"),
    FieldMapping("price", "UnitPrice", ProductTransform.CURRENCY, label="Price → Unit Price"),
    FieldMapping("description", "Description", label="Description → Description"),
)
# QuickBooks item fields an added mapping may fill (the defaults take Name, Sku, UnitPrice and
# Description); QuickBooks items have no custom fields in the Accounting API.
QUICKBOOKS_ITEM_FIELDS: dict[str, str] = {
    "PurchaseDesc": "Purchase description",
    "PurchaseCost": "Purchase cost",
}
MONEY_FIELDS = {"UnitPrice", "PurchaseCost"}
# HubSpot properties that are the defaults' own or HubSpot's bookkeeping: not offered for mapping.
RESERVED_HUBSPOT_PROPERTIES = {"name", "hs_sku", "price", "description", "hs_object_id", "hs_lastmodifieddate",
                               "createdate", "hs_createdate"}


def added_mappings(workspace_id: int) -> list[FieldMapping]:
    return [
        FieldMapping(m.hubspot_property, m.quickbooks_field, m.transform, m.get_transform_display())
        for m in ProductFieldMapping.objects.filter(workspace_id=workspace_id)
    ]


def money_text(value: Any, what: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        return ""
    try:
        return str(Decimal(text).quantize(CENT))
    except InvalidOperation:
        raise errors.SyncFailure(
            errors.VALIDATION_ERROR, f"{what} is {text!r}, which is not an amount (Currency transform)."
        ) from None


def apply(transform: str, value: Any, what: str) -> str:
    text = "" if value is None else str(value)
    if transform == ProductTransform.UPPERCASE:
        return text.upper()
    if transform == ProductTransform.LOWERCASE:
        return text.lower()
    if transform == ProductTransform.CURRENCY:
        return money_text(text, what)
    return text


def hubspot_properties_read(mappings: Iterable[FieldMapping]) -> list[str]:
    wanted = [m.hubspot_property for m in (*DEFAULT_MAPPINGS, *mappings)]
    return list(dict.fromkeys([*wanted, "hs_product_type", "hs_lastmodifieddate"]))


def item_values(props: Mapping[str, Any], mappings: Iterable[FieldMapping]) -> dict[str, Any]:
    """A HubSpot product's properties → the QuickBooks item fields we'd write (HubSpot → QuickBooks)."""
    sku = str(props.get("hs_sku") or "").strip()
    name = str(props.get("name") or "").strip() or sku
    values: dict[str, Any] = {
        "Name": name[:NAME_MAX],
        "Sku": sku,
        "UnitPrice": money_text(props.get("price"), "Price") or "0.00",
        "Description": str(props.get("description") or "")[:DESCRIPTION_MAX],
    }
    for mapping in mappings:
        value = apply(mapping.transform, props.get(mapping.hubspot_property), mapping.hubspot_property)
        if mapping.quickbooks_field in MONEY_FIELDS:
            value = money_text(value, mapping.hubspot_property) if value else ""
        if value != "":
            values[mapping.quickbooks_field] = value
    return values


def product_values(item: Mapping[str, Any], mappings: Iterable[FieldMapping]) -> dict[str, str]:
    """A QuickBooks item → the HubSpot product properties we'd write (QuickBooks → HubSpot)."""
    values = {
        "name": str(item.get("Name") or ""),
        "hs_sku": str(item.get("Sku") or "").strip(),
        "price": money_text(item.get("UnitPrice"), "Unit Price") or "0.00",
        "description": str(item.get("Description") or ""),
    }
    for mapping in mappings:
        raw = item.get(mapping.quickbooks_field)
        if raw is None or raw == "":
            continue
        if mapping.quickbooks_field in MONEY_FIELDS and mapping.transform == ProductTransform.DIRECT:
            raw = money_text(raw, mapping.quickbooks_field)
        values[mapping.hubspot_property] = apply(mapping.transform, raw, mapping.quickbooks_field)
    return values


def fingerprint_of(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(values), sort_keys=True, default=str).encode()).hexdigest()


def same_values(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Does the other side already hold these values? Amounts compare as numbers (89 == "89.00")."""
    for key, value in wanted.items():
        have = current.get(key)
        try:
            if Decimal(str(value)) == Decimal(str(have)):
                continue
        except InvalidOperation:
            pass
        if str(have if have is not None else "") != str(value):
            return False
    return True


def changed_fields(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"field": [before, after]} for the Data page's attempt history."""
    return {k: [current.get(k), v] for k, v in wanted.items() if not same_values({k: current.get(k)}, {k: v})}
