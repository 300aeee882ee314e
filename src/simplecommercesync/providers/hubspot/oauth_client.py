"""HubSpotOAuthClient: token introspection and revocation on HubSpot's OAuth 2026-03 API."""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.providers.http.errors import Unauthorized, json_body
from simplecommercesync.providers.hubspot.errors import oauth_error, raise_for_hubspot

# HubSpot retires the v1 OAuth endpoints on 2027-02-16 ("OAuth v1 migration guide",
# developers.hubspot.com); 2026-03 takes every token in the form body, never in the URL.
OAUTH_VERSION = "2026-03"


class HubSpotOAuthClient:
    def __init__(self, api_base_url: str, client_id: str, client_secret: str, http: httpx.Client) -> None:
        self.base = f"{api_base_url.rstrip('/')}/oauth/{OAUTH_VERSION}"
        self.credentials = {"client_id": client_id, "client_secret": client_secret}
        self.http = http

    @property
    def token_url(self) -> str:
        return f"{self.base}/token"

    def introspect_access_token(self, access_token: str) -> dict[str, Any]:
        """POST /oauth/2026-03/token/introspect: hub_id, hub_domain, user, scopes, expires_in.

        An inactive token (expired, revoked, unknown) answers 200 `{"active": false}` (RFC 7662),
        which is the one answer meaning "this token no longer works".
        """
        response = self.http.post(
            f"{self.base}/token/introspect",
            data={**self.credentials, "token": access_token, "token_type_hint": "access_token"},
            headers={"Accept": "application/json"},
        )
        if not response.is_success:
            raise oauth_error(response)
        info = json_body(response, "HubSpot's token introspection")
        if not isinstance(info, dict):
            raise oauth_error(response)
        if info.get("active") is not True:
            raise Unauthorized("HubSpot says the access token is no longer active", status=200, body=info)
        return info

    def revoke(self, token: str, hint: str = "refresh_token") -> None:
        """POST /oauth/2026-03/token/revoke; revoking what is already gone also answers 200 (RFC 7009)."""
        response = self.http.post(
            f"{self.base}/token/revoke",
            data={**self.credentials, "token": token, "token_type_hint": hint},
            headers={"Accept": "application/json"},
        )
        if not response.is_success:
            raise oauth_error(response)


__all__ = ["HubSpotOAuthClient", "raise_for_hubspot"]
