"""Where an API client gets its access token: the connection's vault in the product, a tiny
stand-in in tests. The client never refreshes on its own; it asks once after a 401."""

from __future__ import annotations

from typing import Protocol


class TokenSource(Protocol):
    def access_token(self) -> str:
        """A usable token, refreshed ahead of expiry."""
        ...

    def refreshed_after(self, rejected_token: str) -> str:
        """A new token after the provider refused `rejected_token` with a 401 (refreshes only if
        no other worker has already replaced it)."""
        ...
