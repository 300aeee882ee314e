"""The error callers get when a connection can't give them a usable access token, and what a
page that starts provider work in the background should be ready to catch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simplecommercesync.connections.gate import SyncsPaused
from simplecommercesync.providers.http.errors import ProviderError

if TYPE_CHECKING:
    from simplecommercesync.connections.models import Connection


class ConnectionUnavailable(ProviderError):
    """The connection is not Connected (revoked, disconnected, unreadable) or has no usable token.

    A ProviderError, so a sync job that stops on provider trouble stops on this too; `connection`
    says which state it is in, and its page explains the fix.
    """

    def __init__(self, connection: Connection, detail: str = "") -> None:
        message = detail or f"{connection.provider} connection is {connection.status}"
        super().__init__(message)
        self.connection = connection


# What a failed background start or cache refresh may raise; each carries a safe, plain message.
STARTUP_TROUBLE = (ProviderError, ConnectionUnavailable, SyncsPaused)
