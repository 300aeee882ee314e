"""HubSpot error bodies → our typed provider errors.

HubSpot answers errors as {"status": "error", "message", "correlationId", "category", ...}
(developers.hubspot.com, "Error handling"); a 403 MISSING_SCOPES is a refusal, not lost access.
"""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.provider_errors import error_for_status, parsed_body


def hubspot_message(body: Any, fallback: str) -> str:
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return fallback


def raise_for_hubspot(response: httpx.Response) -> None:
    if response.is_success:
        return
    body = parsed_body(response)
    message = hubspot_message(body, f"HubSpot answered HTTP {response.status_code}")
    raise error_for_status(response, message, body, default_retry_after=10)
