"""Property groups per object type: HubSpot's built-in ones and those an integration creates.

Shapes from HubSpot's Properties API v3 (https://developers.hubspot.com/docs/api/crm/properties,
`PropertyGroup {name, label, displayOrder, archived}`); a group name is unique per object type
and a second create answers 409, as the legacy property-group docs say. Where the docs are
silent the rules are strict and listed in the emulator's README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .exceptions import Conflict, ObjectNotFound, ValidationError

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# The group every HubSpot-defined property of a type sits in.
MAIN_GROUP: dict[str, str] = {
    "contacts": "contactinformation",
    "products": "productinformation",
    "line_items": "lineiteminformation",
    "quotes": "quoteinformation",
    "invoices": "invoiceinformation",
    "commerce_payments": "paymentinformation",
    "taxes": "taxinformation",
}

# Built-in groups (name, label), in HubSpot's display order; contacts have more than one.
BUILT_IN_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("contactinformation", "Contact information"),
        ("emailinformation", "Email information"),
        ("conversioninformation", "Conversion information"),
        ("contact_activity", "Contact activity"),
        ("socialmediainformation", "Social media information"),
        ("analyticsinformation", "Web analytics history"),
    ),
    "products": (("productinformation", "Product information"),),
    "line_items": (("lineiteminformation", "Line item information"),),
    "quotes": (("quoteinformation", "Quote information"),),
    "invoices": (("invoiceinformation", "Invoice information"),),
    "commerce_payments": (("paymentinformation", "Payment information"),),
    "taxes": (("taxinformation", "Tax information"),),
}


@dataclass
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1
    hubspot_defined: bool = False
    archived: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "displayOrder": self.display_order,
                "archived": self.archived}


def _display_order(raw: object) -> int:
    if raw is None:
        return -1
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValidationError("displayOrder must be an integer.", errors=[
            {"message": "displayOrder must be an integer.", "code": "INVALID_INTEGER",
             "in": "displayOrder"}])
    return raw


class PropertyGroupRegistry:
    """The property groups of one portal, per object type."""

    def __init__(self, object_types: list[str]) -> None:
        self._by_type: dict[str, dict[str, PropertyGroup]] = {
            t: {name: PropertyGroup(name, label, order, hubspot_defined=True)
                for order, (name, label) in enumerate(BUILT_IN_GROUPS[t])}
            for t in object_types
        }

    def all(self, object_type: str) -> list[PropertyGroup]:
        return [g for g in self._by_type[object_type].values() if not g.archived]

    def find(self, object_type: str, name: str) -> PropertyGroup | None:
        found = self._by_type[object_type].get(name)
        return found if found is not None and not found.archived else None

    def get(self, object_type: str, name: str) -> PropertyGroup:
        found = self.find(object_type, name)
        if found is None:
            raise ObjectNotFound(f"Unable to find property group {name} on object type "
                                 f"{object_type}", context={"groupName": [name]})
        return found

    def require(self, object_type: str, name: str) -> None:
        """A property's groupName must name a live group of its object type."""
        if self.find(object_type, name) is None:
            message = (f"Property group {name} does not exist on object type {object_type}. "
                       f"Create it first (POST /crm/v3/properties/{object_type}/groups) or use "
                       "an existing groupName.")
            raise ValidationError(message, errors=[
                {"message": message, "code": "INVALID_PROPERTY_GROUP", "in": "groupName"}],
                context={"groupName": [name]})

    def create(self, object_type: str, spec: dict[str, Any]) -> PropertyGroup:
        name = spec.get("name")
        label = spec.get("label")
        problems: list[dict[str, str]] = []
        if not isinstance(name, str) or not name:
            problems.append({"message": "name is required", "code": "REQUIRED", "in": "name"})
        elif not _NAME_RE.match(name):
            problems.append({"message": f"Property group name '{name}' is invalid: use lower-case "
                             "letters, digits and underscores, starting with a letter.",
                             "code": "INVALID_NAME", "in": "name"})
        if not isinstance(label, str) or not label.strip():
            problems.append({"message": "label is required", "code": "REQUIRED", "in": "label"})
        if problems:
            raise ValidationError("; ".join(p["message"] for p in problems), errors=problems)
        order = _display_order(spec.get("displayOrder"))
        if self.find(object_type, str(name)) is not None:
            raise Conflict(f"Property group named '{name}' already exists.",
                           context={"groupName": [str(name)]})
        group = PropertyGroup(str(name), str(label), order)
        self._by_type[object_type][group.name] = group
        return group

    def update(self, object_type: str, name: str, spec: dict[str, Any]) -> PropertyGroup:
        group = self.get(object_type, name)
        unknown = sorted(set(spec) - {"label", "displayOrder"})
        if unknown:
            raise ValidationError(f"Only label and displayOrder of a property group can change; "
                                  f"got {', '.join(unknown)}.")
        if group.hubspot_defined:
            raise ValidationError(f"Property group {name} is HubSpot-defined and cannot be "
                                  "changed.")
        if "label" in spec:
            label = spec["label"]
            if not isinstance(label, str) or not label.strip():
                raise ValidationError("label must be a non-empty string.")
            group.label = label
        if "displayOrder" in spec:
            group.display_order = _display_order(spec["displayOrder"])
        return group

    def archive(self, object_type: str, name: str, properties_in_it: list[str]) -> None:
        group = self.get(object_type, name)
        if group.hubspot_defined:
            raise ValidationError(f"Property group {name} is HubSpot-defined and cannot be "
                                  "archived.")
        if properties_in_it:
            raise ValidationError(
                f"Property group {name} still holds properties ({', '.join(properties_in_it)}); "
                "move or archive them first.", context={"propertyName": properties_in_it})
        group.archived = True
