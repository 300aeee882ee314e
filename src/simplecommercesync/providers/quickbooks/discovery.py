"""Intuit's OpenID discovery document: where the authorize, token and revoke endpoints are.

Intuit asks apps to read endpoints from discovery rather than hard-code them
(developer.intuit.com, "OpenID Connect discovery document").
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from simplecommercesync.providers.http.errors import Rejected, Unreachable, json_body

CACHE_SECONDS = 3600
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()
REQUIRED_KEYS = ("authorization_endpoint", "token_endpoint", "revocation_endpoint")


def discovery_document(http: httpx.Client, url: str) -> dict[str, Any]:
    with _lock:
        cached = _cache.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    try:
        response = http.get(url)
    except httpx.HTTPError as exc:
        raise Unreachable(f"Could not read Intuit's discovery document ({type(exc).__name__})") from exc
    if response.status_code >= 500:
        raise Unreachable(f"Intuit's discovery document answered HTTP {response.status_code}")
    if not response.is_success:
        raise Rejected(
            f"Intuit's discovery document answered HTTP {response.status_code}", status=response.status_code
        )
    document = json_body(response, "Intuit's discovery document")
    if not isinstance(document, dict):
        raise Unreachable("Intuit's discovery document is not a JSON object")
    missing = [key for key in REQUIRED_KEYS if not isinstance(document.get(key), str)]
    if missing:
        raise Rejected(f"Intuit's discovery document lacks {', '.join(missing)}")
    with _lock:
        _cache[url] = (time.monotonic() + CACHE_SECONDS, document)
    return document
