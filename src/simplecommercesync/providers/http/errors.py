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
    """Timeout, refused or dropped connection, a 5xx or an answer that isn't what the provider's API
    sends (an HTML proxy page instead of JSON): the provider may answer properly next time.

    `maybe_processed` is True when the request went out and its answer was lost (read timeout,
    connection dropped mid-answer, gateway timeout): the provider may have acted on it.
    """

    def __init__(
        self, message: str, *, status: int | None = None, body: Any = None, maybe_processed: bool = False
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.maybe_processed = maybe_processed


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
# A gateway answering 502/504 may have passed the request on before giving up on the answer.
GATEWAY_LOST = frozenset({502, 504})


def json_body(response: httpx.Response, what: str) -> Any:
    """The JSON of a successful answer; anything else is provider trouble, retried later."""
    try:
        return response.json()
    except ValueError as exc:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise Unreachable(
            f"{what} answered HTTP {response.status_code} with {kind} instead of JSON",
            status=response.status_code,
        ) from exc


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
        return Unreachable(message, status=status, body=body, maybe_processed=status in GATEWAY_LOST)
    if status in (401, 403) and not (status == 403 and body and "MISSING_SCOPES" in str(body)):
        return Unauthorized(message, status=status, body=body)
    return Rejected(message, status=status, body=body)
