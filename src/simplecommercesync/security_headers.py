"""Content-Security-Policy on every response: scripts and styles only from our own static files.

Django 5.2 has no CSP setting of its own (it arrives in 6.0), so this small middleware sends one
fixed policy. No 'unsafe-inline' anywhere: templates carry no <script> bodies, no on* handlers and
no style attributes (behaviour lives in static/scs/app.js). `form-action` is left out on purpose:
Connect posts to us and we redirect to HubSpot's or Intuit's consent page, whose host comes from
configuration and Intuit's discovery document, and browsers apply form-action to that redirect too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
