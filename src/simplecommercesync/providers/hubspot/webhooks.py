"""Reading HubSpot webhook requests: the v3 signature.

https://developers.hubspot.com/docs/api/webhooks/validating-requests: X-HubSpot-Signature-v3 is
base64(HMAC-SHA256(app client secret, method + URI + raw body + timestamp)); requests whose
X-HubSpot-Request-Timestamp is older than 5 minutes are rejected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

MAX_AGE_MS = 5 * 60 * 1000


def signature_valid(secret: str, method: str, uris: list[str], body: bytes, signature: str, timestamp: str,
                    now_ms: int | None = None) -> bool:
    if not secret or not signature or not timestamp.isdigit():
        return False
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if abs(now_ms - int(timestamp)) > MAX_AGE_MS:
        return False
    for uri in uris:
        message = method.encode() + uri.encode() + body + timestamp.encode()
        expected = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
        # Bytes: a header may carry any latin-1 character, and compare_digest refuses non-ASCII str.
        if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return True
    return False
