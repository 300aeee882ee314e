"""Typed failures of calls to HubSpot and QuickBooks, shared by both clients and the OAuth code.

Each keeps the parsed body, so the on-screen message can quote the provider. The split that
matters for connection health: `Unreachable` and `RateLimited` are transient (retry), while
`GrantRevoked` and `Unauthorized` mean the authorization itself is gone.
"""

from __future__ import annotations

from typing import Any

import httpx


class ProviderError(Exception):
    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class Unreachable(ProviderError):
    """Timeout, refused or dropped connection, or a 5xx: the provider may answer next time."""


class RateLimited(ProviderError):
    def __init__(
        self, message: str, *, retry_after: float = 10.0, status: int = 429, body: Any = None
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class GrantRevoked(ProviderError):
    """The refresh token or authorization code is no longer accepted (revoked, expired or reused)."""


class Unauthorized(ProviderError):
    """An API call was refused for its access token."""


class ClientMisconfigured(ProviderError):
    """The provider rejected our app's client id or secret: an operator must fix the configuration."""


class Rejected(ProviderError):
    """Any other 4xx: the provider understood and said no."""


TRANSIENT = (Unreachable, RateLimited)


def parsed_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_for_status(
    response: httpx.Response, message: str, body: Any, default_retry_after: float
) -> ProviderError:
    """The typed error for a failed response; the caller has already read the provider's message."""
    status = response.status_code
    if status == 429:
        retry_after = float(response.headers.get("Retry-After") or default_retry_after)
        return RateLimited(message, retry_after=retry_after, body=body)
    if status >= 500:
        return Unreachable(message, status=status, body=body)
    if status in (401, 403) and not (status == 403 and body and "MISSING_SCOPES" in str(body)):
        return Unauthorized(message, status=status, body=body)
    return Rejected(message, status=status, body=body)
