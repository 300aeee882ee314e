"""Record changes the backend reports, turned into webhook events by webhooks.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ChangeSource:
    """Who made a change: an OAuth app (`INTEGRATION`, with its id) or a person in HubSpot."""

    kind: str = "CRM_UI"
    app_id: int | None = None


CRM_UI = ChangeSource()


@dataclass(frozen=True)
class ChangeEvent:
    portal_id: int
    object_type: str
    object_id: str
    kind: str  # "creation" | "propertyChange" | "deletion"
    source: ChangeSource
    occurred_at: datetime
    property_name: str | None = None
    property_value: str | None = None
