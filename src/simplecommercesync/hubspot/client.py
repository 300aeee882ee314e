"""HubSpotClient: the calls the product makes to HubSpot, over one httpx client."""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.provider_errors import Unauthorized

from .errors import raise_for_hubspot


class HubSpotClient:
    def __init__(self, api_base_url: str, http: httpx.Client) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.http = http

    def access_token_info(self, access_token: str) -> dict[str, Any]:
        """GET /oauth/v1/access-tokens/{token}: hub_id, hub_domain, user, scopes, expires_in.

        https://developers.hubspot.com/docs/api/oauth/tokens — an unknown, expired or revoked
        token answers 404 rather than 401, so both mean "not authorized" here.
        """
        response = self.http.get(f"{self.api_base_url}/oauth/v1/access-tokens/{access_token}")
        if response.status_code == 404:
            raise Unauthorized("HubSpot does not recognise the access token", status=404)
        raise_for_hubspot(response)
        info: dict[str, Any] = response.json()
        return info

    def delete_refresh_token(self, refresh_token: str) -> None:
        """DELETE /oauth/v1/refresh-tokens/{token} → 204 (developers.hubspot.com, OAuth tokens)."""
        response = self.http.delete(f"{self.api_base_url}/oauth/v1/refresh-tokens/{refresh_token}")
        if response.status_code == 404:
            return  # already gone: the goal of revoking is met
        raise_for_hubspot(response)
