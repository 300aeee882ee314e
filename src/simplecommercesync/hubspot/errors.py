"""HubSpot error bodies → our typed provider errors.

HubSpot answers errors as {"status": "error", "message", "correlationId", "category", ...}
(developers.hubspot.com, "Error handling").
"""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.provider_errors import (
    ProviderError,
    RateLimited,
    Rejected,
    Unauthorized,
    Unreachable,
)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def hubspot_message(body: Any, fallback: str) -> str:
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return fallback


def raise_for_hubspot(response: httpx.Response) -> None:
    if response.is_success:
        return
    body = _body(response)
    status = response.status_code
    message = hubspot_message(body, f"HubSpot answered HTTP {status}")
    if status == 429:
        retry_after = float(response.headers.get("Retry-After", "10") or 10)
        raise RateLimited(message, retry_after=retry_after, body=body)
    if status >= 500:
        raise Unreachable(message, status=status, body=body)
    if status == 401:
        raise Unauthorized(message, status=status, body=body)
    error: type[ProviderError] = Rejected
    raise error(message, status=status, body=body)
