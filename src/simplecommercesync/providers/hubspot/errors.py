"""HubSpot error bodies → our typed provider errors.

HubSpot answers API errors as {"status": "error", "message", "correlationId", "category", ...}
(developers.hubspot.com, "Error handling"); a 403 MISSING_SCOPES is a refusal, not lost access.
Its OAuth endpoints answer RFC 6749 bodies, `error`/`error_description`, beside the older
`status`/`message` (HubSpot changelog, "New OAuth v3 API endpoints and standardized error responses").
"""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.providers.http.errors import (
    ClientMisconfigured,
    GrantRevoked,
    ProviderError,
    RateLimited,
    Rejected,
    Unreachable,
    error_for_status,
    parsed_body,
)

# RFC 6749 §5.2 codes, and HubSpot's older statuses for the same things.
GRANT_GONE = frozenset({"invalid_grant", "BAD_REFRESH_TOKEN", "BAD_AUTH_CODE"})
CLIENT_WRONG = frozenset({"invalid_client", "unauthorized_client", "BAD_CLIENT_ID", "BAD_CLIENT_SECRET"})


def hubspot_message(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        for key in ("error_description", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return fallback


def raise_for_hubspot(response: httpx.Response) -> None:
    if response.is_success:
        return
    body = parsed_body(response)
    message = hubspot_message(body, f"HubSpot answered HTTP {response.status_code}")
    raise error_for_status(response, message, body, default_retry_after=10)


def oauth_error(response: httpx.Response) -> ProviderError:
    """The typed error for a failed answer of an OAuth endpoint (token, introspect, revoke).

    Only the provider saying the grant is gone is `GrantRevoked`; a 404 or any other surprise is
    provider trouble, so a moved endpoint or a proxy's page never reads as "revoked".
    """
    status = response.status_code
    body = parsed_body(response)
    if status == 429:
        retry_after = float(response.headers.get("Retry-After") or 10)
        return RateLimited("HubSpot is rate limiting OAuth requests", retry_after=retry_after, body=body)
    if status >= 500 or not isinstance(body, dict):
        return Unreachable(
            f"HubSpot's OAuth endpoint answered HTTP {status}",
            status=status,
            body=body,
            maybe_processed=status >= 500,
        )
    code = str(body.get("error") or body.get("status") or "")
    detail = f"{code}: {hubspot_message(body, '')}".strip(": ") or f"HTTP {status}"
    if code in GRANT_GONE:
        return GrantRevoked(detail, status=status, body=body)
    if code in CLIENT_WRONG:
        return ClientMisconfigured(detail, status=status, body=body)
    return Rejected(detail, status=status, body=body)
