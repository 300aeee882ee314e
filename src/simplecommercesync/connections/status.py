"""What the pages show about a connection: one `ConnectionView` per provider, built from the row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simplecommercesync.accounts.models import Workspace
from simplecommercesync.connections import messages
from simplecommercesync.connections.models import Cause, Connection, ConnectionEvent, Status
from simplecommercesync.connections.refresh import mark_unreadable
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.providers.base import Provider
from simplecommercesync.providers.registry import PROVIDERS

TIMELINE_LENGTH = 12


@dataclass
class ConnectionView:
    provider: Provider
    connection: Connection | None
    events: list[ConnectionEvent]

    @property
    def status(self) -> str:
        return self.connection.status if self.connection else Status.NOT_CONNECTED

    @property
    def status_label(self) -> str:
        if self.status == Status.DISCONNECTED and self.connection is not None:
            return messages.cause_title(self.connection.cause)
        return str(Status(self.status).label)

    @property
    def indicator(self) -> str:
        if self.status == Status.CONNECTED:
            return "warn" if self.having_trouble else "on"
        if self.status == Status.DISCONNECTED and self.connection and self.connection.cause != Cause.BY_USER:
            return "bad"
        return "off"

    @property
    def is_connected(self) -> bool:
        return self.status == Status.CONNECTED

    @property
    def holds_tokens(self) -> bool:
        """Disconnected, but an authorization is still stored (kept because it may still be valid)."""
        c = self.connection
        return bool(
            c and c.status == Status.DISCONNECTED and (c.refresh_token_encrypted or c.access_token_encrypted)
        )

    @property
    def having_trouble(self) -> bool:
        return bool(self.connection and self.connection.having_trouble)

    @property
    def needs_attention(self) -> bool:
        return bool(self.connection and self.connection.needs_attention)

    @property
    def trouble_note(self) -> str:
        return messages.trouble_note(self.provider, self.connection.trouble if self.connection else "")

    @property
    def explanation(self) -> str:
        if self.connection is None or self.status != Status.DISCONNECTED:
            return ""
        return messages.cause_explanation(self.provider, self.connection.cause)

    @property
    def configured(self) -> bool:
        return self.provider.app.configured

    @property
    def not_configured_message(self) -> str:
        return messages.not_configured(self.provider)

    @property
    def connect_label(self) -> str:
        """ "Reconnect" fixes a connection that broke; after a deliberate disconnect, connecting
        again is just "Connect HubSpot" (the seed's own words for both)."""
        if self.connection and self.status == Status.DISCONNECTED and self.connection.cause != Cause.BY_USER:
            return "Reconnect"
        return f"Connect {self.provider.name}"

    @property
    def banner(self) -> str:
        """One line for the Dashboard's warning banner."""
        if self.having_trouble:
            return self.trouble_note
        return f"{self.provider.name}: {self.status_label}."


def connection_views(workspace: Workspace) -> list[ConnectionView]:
    rows = {c.provider: _noticing_unreadable(c) for c in Connection.objects.filter(workspace=workspace)}
    views = []
    for key, provider in PROVIDERS.items():
        connection = rows.get(key)
        events = list(connection.events.select_related("actor")[:TIMELINE_LENGTH]) if connection else []
        views.append(ConnectionView(provider, connection, events))
    return views


def dashboard_context(workspace: Workspace) -> dict[str, Any]:
    views = connection_views(workspace)
    return {"connections": views, "attention": [v for v in views if v.needs_attention]}


def _noticing_unreadable(connection: Connection) -> Connection:
    """A connection whose tokens no configured key opens can't work, whatever its status says."""
    if connection.status == Status.CONNECTED and not TokenVault().can_open(
        connection.access_token_encrypted, connection.refresh_token_encrypted
    ):
        return mark_unreadable(connection)
    return connection
