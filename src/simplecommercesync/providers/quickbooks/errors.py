"""QuickBooks Online fault bodies → our typed provider errors.

QBO answers {"Fault": {"Error": [{"Message", "Detail", "code"}], "type"}} with HTTP 400, a
lower-case {"fault": {"error": [...]}} with 401, and 429 possibly as XML — so the status code
decides, never the body alone (Intuit developer docs, "Error codes").
"""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.providers.http.errors import error_for_status, parsed_body


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
    body = parsed_body(response)
    message = fault_message(body, f"QuickBooks answered HTTP {response.status_code}")
    raise error_for_status(response, message, body, default_retry_after=60)
