"""The two calls every provider API client makes to get a usable access token.

    token = access_token_for(connection)          # before a call
    token = refreshed_access_token(connection, token)   # after that call answered 401

Both may call the provider's token endpoint; neither holds a database transaction while doing so.
They raise `ConnectionUnavailable` when the connection can't be used (not Connected: revoked,
disconnected, needs reconnect), or the provider error of a failed refresh (`Unreachable`,
`RateLimited`, `ClientMisconfigured`, `Rejected` from simplecommercesync.providers.http.errors) when the
current access token can't be used and a new one couldn't be had — a transient state: hold the work
and retry later, never treat it as revoked.
"""

from __future__ import annotations

from simplecommercesync.connections.errors import ConnectionUnavailable
from simplecommercesync.connections.refresh import access_token_for, refreshed_access_token

__all__ = ["ConnectionUnavailable", "access_token_for", "refreshed_access_token"]
