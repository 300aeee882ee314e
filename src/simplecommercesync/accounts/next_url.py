"""Where a `next` parameter may send someone after a form: a path on this site, nothing else.

Django's `url_has_allowed_host_and_scheme` is the base check; on top, only paths starting with one
"/" pass (so `redirect()` never mistakes the text for a view name) and no control characters (a
NUL or newline would break the Location header or be dropped by browsers into another URL).
"""

from __future__ import annotations

import unicodedata

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_next(request: HttpRequest, target: str) -> str | None:
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(unicodedata.category(char).startswith("C") for char in target):
        return None
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return None
    return target
