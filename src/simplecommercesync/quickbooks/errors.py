"""QuickBooks Online fault bodies → our typed provider errors.

QBO answers {"Fault": {"Error": [{"Message", "Detail", "code"}], "type"}} with HTTP 400, a
lower-case {"fault": {"error": [...]}} with 401, and 429 possibly as XML — so the status code
decides, never the body alone (Intuit developer docs, "Error codes").
"""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.provider_errors import RateLimited, Rejected, Unauthorized, Unreachable


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def fault_message(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        fault = body.get("Fault") or body.get("fault") or {}
        errors = fault.get("Error") or fault.get("error") or []
        if errors and isinstance(errors[0], dict):
            first = errors[0]
            message = first.get("Message") or first.get("message") or ""
            detail = first.get("Detail") or first.get("detail") or ""
            return f"{message}: {detail}" if detail and detail != message else message or fallback
    return fallback


def raise_for_quickbooks(response: httpx.Response) -> None:
    if response.is_success:
        return
    body = _body(response)
    status = response.status_code
    message = fault_message(body, f"QuickBooks answered HTTP {status}")
    if status == 429:
        raise RateLimited(
            message, retry_after=float(response.headers.get("Retry-After", "60") or 60), body=body
        )
    if status >= 500:
        raise Unreachable(message, status=status, body=body)
    if status in (401, 403):
        raise Unauthorized(message, status=status, body=body)
    raise Rejected(message, status=status, body=body)
