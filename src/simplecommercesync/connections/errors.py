"""The error callers get when a connection can't give them a usable access token."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
