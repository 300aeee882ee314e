"""The OAuth 2.0 client side, with Authlib: authorize URLs, code exchange and refresh.

One compliance hook turns every token-endpoint answer into either a token or one of our typed
provider errors, reading each provider's error codes from its declared facts.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import authlib.deprecate  # noqa: F401 - installs Authlib's own warning filter, which ours must follow
import httpx
from authlib.common.errors import AuthlibBaseError
from django.conf import settings

from simplecommercesync.providers.base import Provider
from simplecommercesync.providers.http.errors import (
    GATEWAY_LOST,
    ClientMisconfigured,
    GrantRevoked,
    RateLimited,
    Rejected,
    Unreachable,
)
from simplecommercesync.providers.http.transport import ProviderTransport

# Authlib 1.9 prefers the httpx2 fork and warns when it falls back to httpx; httpx is what the
# rest of the product (and our ProviderTransport) is built on, and the fallback is supported.
warnings.filterwarnings("ignore", message="The httpx module is deprecated", module="authlib")
from authlib.integrations.httpx_client import OAuth2Client  # noqa: E402


def _token_response_check(provider: Provider) -> Callable[[httpx.Response], httpx.Response]:
    def check(response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if status == 429:
            retry_after = float(response.headers.get("Retry-After", "10") or 10)
            raise RateLimited(
                f"{provider.name} is rate limiting token requests", retry_after=retry_after, body=body
            )
        if status >= 500 or not isinstance(body, dict):
            # A 5xx, or a page that isn't an OAuth answer (a proxy's HTML): trouble, never "revoked".
            raise Unreachable(
                f"{provider.name}'s token endpoint answered HTTP {status}",
                status=status,
                body=body,
                maybe_processed=status >= 500 and status in GATEWAY_LOST,
            )
        code, message = "", ""
        if isinstance(body, dict):
            code = str(body.get("error") or body.get("status") or "")
            message = str(body.get("error_description") or body.get("message") or "")
        detail = f"{code}: {message}" if message else code or f"HTTP {status}"
        if code in provider.grant_error_codes:
            raise GrantRevoked(detail, status=status, body=body)
        if code in provider.client_error_codes or status == 401:
            raise ClientMisconfigured(detail, status=status, body=body)
        raise Rejected(detail, status=status, body=body)

    return check


def oauth_client(provider: Provider) -> OAuth2Client:
    app = provider.app
    client = OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        token_endpoint_auth_method=provider.token_auth_method,
        timeout=settings.SCS_PROVIDER_TIMEOUT_SECONDS,
        transport=ProviderTransport(),
    )
    check = _token_response_check(provider)
    client.register_compliance_hook("access_token_response", check)
    client.register_compliance_hook("refresh_token_response", check)
    return client


def _call(provider: Provider, action: Callable[[], Any]) -> dict[str, Any]:
    try:
        token = action()
    except AuthlibBaseError as exc:
        raise Rejected(f"{exc.error}: {exc.description or ''}".strip(": ")) from exc
    except ValueError as exc:
        # A 2xx whose body isn't JSON: provider trouble, retried like a network failure.
        raise Unreachable(
            f"{provider.name}'s token endpoint answered with something that isn't JSON"
        ) from exc
    if not isinstance(token, dict):
        raise Unreachable(f"{provider.name}'s token endpoint answered with something that isn't a token")
    result = dict(token)
    if not result.get("access_token"):
        raise Rejected(f"{provider.name} answered without an access token")
    return result


def authorization_url(provider: Provider, authorize_url: str, state: str) -> str:
    with oauth_client(provider) as client:
        url, _ = client.create_authorization_url(
            authorize_url,
            state=state,
            redirect_uri=provider.redirect_uri(),
            scope=" ".join(provider.scope_names),
            **provider.authorize_params(),
        )
    return str(url)


def exchange_code(provider: Provider, token_url: str, code: str) -> dict[str, Any]:
    with oauth_client(provider) as client:
        return _call(
            provider,
            lambda: client.fetch_token(
                token_url, grant_type="authorization_code", code=code, redirect_uri=provider.redirect_uri()
            ),
        )


def refresh_grant(provider: Provider, token_url: str, refresh_token: str) -> dict[str, Any]:
    with oauth_client(provider) as client:
        return _call(provider, lambda: client.refresh_token(token_url, refresh_token=refresh_token))
