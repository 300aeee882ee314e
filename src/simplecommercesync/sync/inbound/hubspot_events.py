"""HubSpot webhook events → the ids that changed, per portal and HubSpot object.

Event shapes from https://developers.hubspot.com/docs/api/webhooks (object names and type ids:
`providers/hubspot/object_types.py`). Which objects matter, and to which sync type, the router
(`hubspot_triggers.py`) reads from the declarations; here only what HubSpot said is kept:
- a contact's deletion is not a change to sync (a QuickBooks customer is never deleted for it);
- our own write-back comes back with sourceId = our app id: never a reason to sync again;
- an `object.associationChange` between two objects counts as a change of the side whose sync type
  declares it follows associations with the other (`Inbound.hubspot_associations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simplecommercesync.providers.hubspot.object_types import LEGACY_EVENT_OBJECTS, OBJECTS_BY_TYPE_ID
from simplecommercesync.sync.catalogue import SYNC_TYPES

# Events that say something changed but that no sync follows.
IGNORED = frozenset({("contacts", "deletion")})


@dataclass
class PortalChanges:
    """What one webhook request asks of one portal, as plain ids by HubSpot object."""

    changed: dict[str, set[str]] = field(default_factory=dict)
    own_changes_skipped: int = 0

    def add(self, hubspot_object: str, object_id: str) -> None:
        self.changed.setdefault(hubspot_object, set()).add(object_id)


# {the two objects of an association: the object whose changes it counts as}, from the declarations.
FOLLOWED_ASSOCIATIONS = {frozenset({declared.hubspot_object, other}): declared.hubspot_object
                         for declared in SYNC_TYPES.values() for other in declared.inbound.hubspot_associations}


def sort_events(events: list[Any]) -> dict[str, PortalChanges]:
    by_portal: dict[str, PortalChanges] = {}
    for event in events:
        if isinstance(event, dict) and "portalId" in event:
            associated = _association_change(event)
            if associated is not None:
                by_portal.setdefault(str(event["portalId"]), PortalChanges()).add(*associated)
                continue
        if not isinstance(event, dict) or "portalId" not in event or "objectId" not in event:
            continue
        changes = by_portal.setdefault(str(event["portalId"]), PortalChanges())
        if event.get("sourceId") is not None and str(event.get("sourceId")) == str(event.get("appId")):
            changes.own_changes_skipped += 1
            continue
        prefix, _, action = str(event.get("subscriptionType") or "").partition(".")
        if prefix == "object":
            hubspot_object = OBJECTS_BY_TYPE_ID.get(str(event.get("objectTypeId")))
            if hubspot_object in LEGACY_EVENT_OBJECTS.values():
                hubspot_object = None  # those come as `<prefix>.*` events, which are the ones we read
        else:
            hubspot_object = LEGACY_EVENT_OBJECTS.get(prefix)
        if hubspot_object is not None and (hubspot_object, action) not in IGNORED:
            changes.add(hubspot_object, str(event["objectId"]))
    return by_portal


def _association_change(event: dict[str, Any]) -> tuple[str, str] | None:
    """(object, id) of the followed side of an association change, else None."""
    if str(event.get("subscriptionType") or "") != "object.associationChange":
        return None
    sides = (OBJECTS_BY_TYPE_ID.get(str(event.get("fromObjectTypeId"))),
             OBJECTS_BY_TYPE_ID.get(str(event.get("toObjectTypeId"))))
    if None in sides:
        return None
    followed = FOLLOWED_ASSOCIATIONS.get(frozenset(sides))  # type: ignore[arg-type]  # None was ruled out above
    if followed is None:
        return None
    object_id = str(event.get("fromObjectId" if sides[0] == followed else "toObjectId") or "")
    return (followed, object_id) if object_id else None
