"""Webhook subscriptions per app: which record changes an app is sent.

Shapes follow HubSpot's webhooks API (`SubscriptionCreateRequest`, `SubscriptionResponse` in the
2026-03 webhooks OpenAPI file): `eventType` is one of HubSpot's names (`contact.creation`,
`line_item.associationChange`, `object.propertyChange` with an `objectTypeId`...), and a
`propertyChange` subscription names the one property it listens to.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .catalog import OBJECT_TYPES, by_type_id
from .clock import iso, utcnow
from .events import ChangeEvent
from .exceptions import NotEmulated, ObjectNotFound, ValidationError

ACTIONS = ("creation", "deletion", "propertyChange", "associationChange")
# Actions HubSpot offers that the emulator accepts but never fires (it has no merges/restores).
SILENT_ACTIONS = ("merge", "restore", "privacyDeletion")
# Legacy families and the actions HubSpot lists for each (product has no associationChange).
LEGACY_ACTIONS: dict[str, tuple[str, ...]] = {
    "contact": (*ACTIONS, *SILENT_ACTIONS),
    "product": ("creation", "deletion", "propertyChange", "merge", "restore"),
    "line_item": (*ACTIONS, "merge", "restore"),
}
HUBSPOT_ONLY_FAMILIES = ("company", "deal", "ticket", "conversation", "event")
ALL = "all"


@dataclass
class Subscription:
    id: int
    app_id: int
    event_type: str  # "contact.propertyChange", "object.creation", ...
    object_type_id: str | None = None  # for object.*
    property_name: str | None = None  # None on a propertyChange: every property (emulator default)
    active: bool = True
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    @property
    def family(self) -> str:
        return self.event_type.split(".", 1)[0]

    @property
    def action(self) -> str:
        return self.event_type.split(".", 1)[1]

    def matches(self, event: ChangeEvent, type_id: str, legacy_prefix: str | None) -> bool:
        if not self.active or self.action != event.kind:
            return False
        if self.family == "object":
            if self.object_type_id != type_id:
                return False
        elif self.family != legacy_prefix:
            return False
        if event.kind == "propertyChange" and self.property_name is not None:
            return self.property_name == event.property_name
        return True

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": str(self.id), "eventType": self.event_type,
                                "active": self.active, "createdAt": iso(self.created_at),
                                "updatedAt": iso(self.updated_at)}
        if self.object_type_id is not None:
            body["objectTypeId"] = self.object_type_id
        if self.property_name is not None:
            body["propertyName"] = self.property_name
        return body


def parse_spec(text: str) -> list[tuple[str, str | None, str | None]]:
    """`--webhook-subscriptions` → (eventType, objectTypeId, propertyName) triples.

    `all` (every action of every emulated type, any property), `none`, or a comma list of
    `eventType[@objectTypeId][:propertyName]`, e.g.
    `contact.creation,contact.propertyChange:email,object.propertyChange@0-53:hs_invoice_status`.
    """
    text = text.strip()
    if text == ALL:
        return everything()
    if text in ("", "none"):
        return []
    found = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        head, _, property_name = part.partition(":")
        event_type, _, type_id = head.partition("@")
        found.append((event_type, type_id or None, property_name or None))
        check(*found[-1], allow_any_property=True)
    return found


def everything() -> list[tuple[str, str | None, str | None]]:
    triples: list[tuple[str, str | None, str | None]] = []
    for kind in OBJECT_TYPES.values():
        prefix = kind.legacy_webhook_prefix
        for action in ACTIONS:
            if prefix is not None and action in LEGACY_ACTIONS[prefix]:
                triples.append((f"{prefix}.{action}", None, None))
            elif prefix is None:
                triples.append((f"object.{action}", kind.type_id, None))
    return triples


def check(event_type: str, type_id: str | None, property_name: str | None,
          allow_any_property: bool = False) -> None:
    family, _, action = event_type.partition(".")
    if family in HUBSPOT_ONLY_FAMILIES:
        raise NotEmulated(f"{event_type} subscriptions are not emulated (no {family} objects).")
    allowed = (*ACTIONS, *SILENT_ACTIONS) if family == "object" else LEGACY_ACTIONS.get(family)
    if allowed is None or action not in allowed:
        raise ValidationError(
            f"Unknown eventType {event_type!r}: use contact.*, product.*, line_item.* or "
            "object.* (with objectTypeId) as listed in HubSpot's webhooks API.",
            context={"eventType": [event_type]})
    if family == "object":
        kind = by_type_id(type_id or "")
        if kind is None:
            raise ValidationError(
                f"object.* subscriptions need the objectTypeId of an emulated object "
                f"(e.g. 0-53 for invoices), not {type_id!r}.", context={"objectTypeId": [str(type_id)]})
    elif type_id is not None:
        raise ValidationError(f"{event_type} takes no objectTypeId; use object.{action} for that.")
    if action == "propertyChange" and property_name is None and not allow_any_property:
        raise ValidationError("A propertyChange subscription names its propertyName.",
                              context={"propertyName": []})
    if action != "propertyChange" and property_name is not None:
        raise ValidationError("Only propertyChange subscriptions take a propertyName.")


class SubscriptionBook:
    """Subscriptions of every app; an app nobody configured gets the process defaults."""

    def __init__(self, defaults: list[tuple[str, str | None, str | None]]) -> None:
        self.defaults = defaults
        self._by_app: dict[int, list[Subscription]] = {}
        self._ids = itertools.count(1001)

    def reset(self) -> None:
        self._by_app.clear()

    def of(self, app_id: int) -> list[Subscription]:
        found = self._by_app.get(app_id)
        if found is None:
            found = self._by_app[app_id] = [
                Subscription(next(self._ids), app_id, event_type, type_id, name)
                for event_type, type_id, name in self.defaults]
        return found

    def create(self, app_id: int, body: dict[str, Any]) -> Subscription:
        event_type = str(body.get("eventType") or "")
        type_id = body.get("objectTypeId")
        name = body.get("propertyName")
        if "active" not in body:
            raise ValidationError("active is required (SubscriptionCreateRequest).",
                                  context={"active": []})
        check(event_type, str(type_id) if type_id else None, str(name) if name else None)
        subscription = Subscription(next(self._ids), app_id, event_type,
                                    str(type_id) if type_id else None,
                                    str(name) if name else None, bool(body["active"]))
        self.of(app_id).append(subscription)
        return subscription

    def find(self, app_id: int, subscription_id: str) -> Subscription:
        found = next((s for s in self.of(app_id) if str(s.id) == subscription_id), None)
        if found is None:
            raise ObjectNotFound(f"Subscription {subscription_id} of app {app_id} not found.")
        return found

    def set_active(self, app_id: int, subscription_id: str, active: bool) -> Subscription:
        subscription = self.find(app_id, subscription_id)
        subscription.active = active
        subscription.updated_at = utcnow()
        return subscription

    def delete(self, app_id: int, subscription_id: str) -> None:
        subscription = self.find(app_id, subscription_id)
        self.of(app_id).remove(subscription)

    def matching(self, app_id: int, event: ChangeEvent) -> list[Subscription]:
        kind = OBJECT_TYPES[event.object_type]
        return [s for s in self.of(app_id)
                if s.matches(event, kind.type_id, kind.legacy_webhook_prefix)]
