"""Record changes the backend reports, turned into webhook events by webhooks.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ChangeSource:
    """Who made a change: an OAuth app (`INTEGRATION`, with its id and name) or a person in
    HubSpot (`CRM_UI`; the emulator's control API and seed write as such a person)."""

    kind: str = "CRM_UI"
    app_id: int | None = None
    app_name: str | None = None

    @property
    def source_id(self) -> str | None:
        """`sourceId` of webhook events and `hs_object_source_id` of records."""
        return str(self.app_id) if self.app_id is not None else None


CRM_UI = ChangeSource()


@dataclass(frozen=True)
class AssociationChange:
    from_type: str
    from_id: str
    to_type: str
    to_id: str
    type_id: int
    removed: bool


@dataclass(frozen=True)
class ChangeEvent:
    portal_id: int
    object_type: str
    object_id: str
    kind: str  # "creation" | "propertyChange" | "deletion" | "associationChange"
    source: ChangeSource
    occurred_at: datetime
    property_name: str | None = None
    property_value: str | None = None
    association: AssociationChange | None = None
