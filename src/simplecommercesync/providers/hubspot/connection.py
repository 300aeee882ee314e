"""HubSpot as a connection provider: scopes, endpoints, identity and revocation.

Sources: developers.hubspot.com "Working with OAuth" and "OAuth tokens"; scope names from the
HubSpot scope reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import httpx

from simplecommercesync.providers.base import AccountIdentity, Endpoints, Provider, Scope
from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.providers.hubspot.oauth_client import HubSpotOAuthClient


class HubSpotProvider(Provider):
    key = "hubspot"
    name = "HubSpot"
    account_label = "Portal ID"
    account_noun = "portal"
    settings_name = "SCS_HUBSPOT"
    env_prefix = "SCS_HUBSPOT"
    token_auth_method = "client_secret_post"  # HubSpot takes client_id/secret in the form body
    default_access_lifetime = timedelta(minutes=30)
    rotates_refresh_tokens = False  # HubSpot returns the same refresh token on every refresh
    grant_error_codes = frozenset({"BAD_REFRESH_TOKEN", "BAD_AUTH_CODE", "invalid_grant"})
    client_error_codes = frozenset(
        {"BAD_CLIENT_ID", "BAD_CLIENT_SECRET", "invalid_client", "unauthorized_client"}
    )
    revoke_elsewhere = "HubSpot Settings → Integrations → Connected Apps"
    scopes = (
        Scope("oauth", "Basic OAuth access", "Required by HubSpot for every app that connects with OAuth."),
        Scope(
            "crm.objects.contacts.read",
            "Read contacts",
            "Match HubSpot contacts to QuickBooks customers by email.",
        ),
        Scope(
            "crm.objects.contacts.write",
            "Write contacts",
            "Write the linked QuickBooks customer id back onto the contact.",
        ),
        Scope(
            "crm.objects.invoices.read", "Read invoices", "Read HubSpot invoices to sync them to QuickBooks."
        ),
        Scope(
            "crm.objects.invoices.write",
            "Write invoices",
            "Create invoices that come from QuickBooks and record each invoice's sync status.",
        ),
        Scope("crm.objects.products.read", "Read products", "Match line items to QuickBooks items by SKU."),
        Scope(
            "crm.objects.products.write",
            "Write products",
            "Create products that exist only in QuickBooks when product sync runs that way.",
        ),
        Scope("crm.objects.quotes.read", "Read quotes", "Sync HubSpot quotes to QuickBooks estimates."),
        Scope(
            "crm.objects.quotes.write",
            "Write quotes",
            "Create or update quotes from QuickBooks estimates (estimate sync).",
        ),
        Scope(
            "crm.objects.line_items.read",
            "Read line items",
            "Read the quantity, price and SKU of every invoice and quote line.",
        ),
        Scope(
            "crm.objects.line_items.write",
            "Write line items",
            "Create the lines of quotes and invoices that come from QuickBooks estimates and invoices.",
        ),
        Scope(
            "crm.objects.commercepayments.read",
            "Read payments",
            "Record HubSpot payments against the synced QuickBooks invoice.",
        ),
        Scope("tax_rates.read", "Read tax rates", "Map HubSpot tax rates to QuickBooks tax codes."),
        Scope(
            "crm.schemas.contacts.read",
            "Read contact properties",
            "See which contact properties exist, including our own.",
        ),
        Scope(
            "crm.schemas.contacts.write",
            "Create contact properties",
            "Create the property that holds the QuickBooks customer id.",
        ),
        Scope(
            "crm.schemas.invoices.read",
            "Read invoice properties",
            "See which invoice properties exist, including our own.",
        ),
        Scope(
            "crm.schemas.invoices.write",
            "Create invoice properties",
            "Create the properties that hold the QuickBooks invoice id, number and sync status.",
        ),
        Scope(
            "crm.schemas.quotes.read",
            "Read quote properties",
            "See which quote properties exist, including our own.",
        ),
        Scope(
            "crm.schemas.quotes.write",
            "Create quote properties",
            "Create the properties that hold the QuickBooks estimate id and sync status.",
        ),
    )

    def _oauth(self, http: httpx.Client) -> HubSpotOAuthClient:
        return HubSpotOAuthClient(self.app.api_base_url, self.app.client_id, self.app.client_secret, http)

    def endpoints(self, http: httpx.Client) -> Endpoints:
        return Endpoints(
            authorize_url=f"{self.app.auth_base_url}/oauth/authorize",
            token_url=self._oauth(http).token_url,
        )

    def identify(
        self, http: httpx.Client, access_token: str, token: Mapping[str, object], callback: Mapping[str, str]
    ) -> AccountIdentity:
        info = self._oauth(http).introspect_access_token(access_token)
        if not str(info.get("hub_id") or "").isdigit():
            raise Rejected("HubSpot did not say which portal was authorized (no hub_id).")
        return AccountIdentity(
            account_id=str(info["hub_id"]),
            account_name=str(info.get("hub_domain") or ""),
            provider_user=str(info.get("user") or ""),
            scopes=tuple(str(scope) for scope in info.get("scopes") or ()),
        )

    def probe(self, http: httpx.Client, access_token: str, account_id: str) -> None:
        info = self._oauth(http).introspect_access_token(access_token)
        if str(info.get("hub_id")) != account_id:
            raise Rejected("HubSpot returned a token for a different portal")

    def revoke(self, http: httpx.Client, refresh_token: str, access_token: str) -> None:
        oauth = self._oauth(http)
        if refresh_token:
            oauth.revoke(refresh_token, "refresh_token")
        else:
            oauth.revoke(access_token, "access_token")
