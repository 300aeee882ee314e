"""The `TokenSource` the API clients ask for tokens: the connections app's own token path.

Engine and Connections page share `connections.access` — a refresh ahead of expiry under the
connection's lock (so one refresh per expiry, whichever worker asks first) and one forced refresh
after a 401 that is skipped when another worker already replaced the refused token. Neither holds
a database transaction while the provider's token endpoint is called.

`ConnectionUnavailable` (not Connected) reaches the engine as is and holds the work for a
reconnect; a failed refresh of a still-valid grant raises the transient provider error
(`Unreachable`, `RateLimited`, …), which the engine retries with backoff.
"""

from __future__ import annotations

import time

from simplecommercesync.connections.access import access_token_for, refreshed_access_token
from simplecommercesync.connections.models import Connection

# A token read this recently is used again without a database read and a decryption (the bench
# profile: one of each per provider call was a tenth of a backfill's worker CPU). A token is
# refreshed five minutes before it expires, so a reused one is always still valid; a disconnect is
# seen by the sync gate before every call, and a token rotated elsewhere and refused is refreshed
# once (`refreshed_after`).
REUSE_SECONDS = 2.0


class ConnectionTokens:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._last: tuple[str, float] | None = None

    def access_token(self) -> str:
        last = self._last
        if last is not None and time.monotonic() - last[1] < REUSE_SECONDS:
            return last[0]
        token = access_token_for(self.connection)
        self._last = (token, time.monotonic())
        return token

    def refreshed_after(self, rejected_token: str) -> str:
        self._last = None
        token = refreshed_access_token(self.connection, rejected_token)
        self._last = (token, time.monotonic())
        return token
