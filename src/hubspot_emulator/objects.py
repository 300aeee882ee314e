"""CRM records and the associations between them (plain data, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .catalog import OBJECT_TYPES
from .clock import iso
from .exceptions import ValidationError


@dataclass(slots=True)
class CrmObject:
    id: str
    object_type: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    archived_at: datetime | None = None
    # When HubSpot's search index has caught up with the record's latest write.
    searchable_at: datetime | None = None
    # What the index holds until then: the properties before the pending writes, or None
    # for a record the index hasn't seen yet.
    indexed_properties: dict[str, str] | None = None
    history: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)

    def view(self, names: list[str] | None, with_history: list[str] | None = None,
             only_set: bool = False) -> dict[str, Any]:
        """The record as HubSpot returns it: requested properties (null when unset)."""
        shown: dict[str, str | None]
        if names is None:
            shown = dict(self.properties)
        else:
            shown = {}
            for name in names:
                value = self.properties.get(name)
                if value is not None or not only_set:
                    shown[name] = value
        body: dict[str, Any] = {
            "id": self.id,
            "properties": shown,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "archived": self.archived,
        }
        if self.archived_at is not None:
            body["archivedAt"] = iso(self.archived_at)
        if with_history:
            body["propertiesWithHistory"] = {
                name: [{"value": v, "timestamp": iso(at), "sourceType": "API"}
                       for v, at in reversed(self._history_of(name))]
                for name in with_history
            }
        return body

    def _history_of(self, name: str) -> list[tuple[str, datetime]]:
        if name in self.history:
            return self.history[name]
        value = self.properties.get(name)
        return [(value, self.created_at)] if value is not None else []


@dataclass(frozen=True)
class AssociationType:
    from_type: str
    to_type: str
    type_id: int
    category: str = "HUBSPOT_DEFINED"
    label: str | None = None


# Default association type ids (https://developers.hubspot.com/docs/api/crm/associations/v4,
# "Association type id values"); each pair is listed with its inverse. The docs list the
# tax→invoice and tax→quote ids only by HubSpot's pairing (inverse = forward + 1): see README.
_DEFAULT_PAIRS: tuple[tuple[str, str, int, int], ...] = (
    ("invoices", "contacts", 177, 178),
    ("invoices", "line_items", 409, 410),
    ("invoices", "commerce_payments", 541, 542),
    ("quotes", "line_items", 67, 68),
    ("quotes", "contacts", 69, 70),
    ("invoices", "quotes", 407, 408),
    ("invoices", "taxes", 415, 416),
    ("quotes", "taxes", 366, 367),
)
DEFAULT_TYPES: dict[tuple[str, str], AssociationType] = {}
for _from, _to, _forward, _back in _DEFAULT_PAIRS:
    DEFAULT_TYPES[(_from, _to)] = AssociationType(_from, _to, _forward)
    DEFAULT_TYPES[(_to, _from)] = AssociationType(_to, _from, _back)


def default_type(from_type: str, to_type: str) -> AssociationType:
    found = DEFAULT_TYPES.get((from_type, to_type))
    if found is None:
        raise ValidationError(
            f"There is no association type between {from_type} and {to_type} in this emulator.",
            context={"fromObjectType": [from_type], "toObjectType": [to_type]},
        )
    return found


def inverse_type(association: AssociationType) -> AssociationType:
    return DEFAULT_TYPES[(association.to_type, association.from_type)]


def association_type_by_id(from_type: str, to_type: str, type_id: int,
                           category: str) -> AssociationType:
    found = DEFAULT_TYPES.get((from_type, to_type))
    if category != "HUBSPOT_DEFINED":
        raise ValidationError(
            f"Association category {category} (custom labels) is not emulated; "
            "use HUBSPOT_DEFINED type ids.")
    if found is None or found.type_id != type_id:
        raise ValidationError(
            f"{type_id} is not a valid association type id from {from_type} to {to_type}.",
            context={"associationTypeId": [str(type_id)]},
        )
    return found


def association_event_name(association: AssociationType) -> str:
    """The webhook `associationType`, e.g. INVOICE_TO_COMMERCE_PAYMENT."""
    return association_name(association).upper()


def association_name(association: AssociationType) -> str:
    """The v3 `type` string, e.g. invoice_to_contact."""
    return (f"{OBJECT_TYPES[association.from_type].singular}_to_"
            f"{OBJECT_TYPES[association.to_type].singular}")


class AssociationStore:
    """Both directions of every association, by (type, id)."""

    def __init__(self) -> None:
        self._links: dict[tuple[str, str], dict[tuple[str, str], set[int]]] = {}

    def add(self, from_type: str, from_id: str, to_type: str, to_id: str,
            association: AssociationType) -> bool:
        """Links both directions; False when the link was there already."""
        forward = self._links.setdefault((from_type, from_id), {})
        types = forward.setdefault((to_type, to_id), set())
        if association.type_id in types:
            return False
        types.add(association.type_id)
        back = self._links.setdefault((to_type, to_id), {})
        back.setdefault((from_type, from_id), set()).add(inverse_type(association).type_id)
        return True

    def remove(self, from_type: str, from_id: str, to_type: str, to_id: str) -> set[int]:
        """Unlinks both directions; the type ids the forward link had (empty: none)."""
        forward = self._links.get((from_type, from_id), {})
        back = self._links.get((to_type, to_id), {})
        removed = forward.pop((to_type, to_id), None) or set()
        back.pop((from_type, from_id), None)
        return removed

    def ids_of(self, from_type: str, from_id: str, to_type: str) -> list[str]:
        """Linked ids of one type, unsorted (the hot path of totals)."""
        return [oid for (otype, oid) in self._links.get((from_type, from_id), {})
                if otype == to_type]

    def of(self, from_type: str, from_id: str, to_type: str) -> list[tuple[str, list[int]]]:
        links = self._links.get((from_type, from_id), {})
        found = [(oid, sorted(types)) for (otype, oid), types in links.items()
                 if otype == to_type]
        return sorted(found, key=lambda item: int(item[0]))

    def clear(self) -> None:
        self._links.clear()
