"""QuickBooks Online as a connection provider: Intuit OAuth 2.0, one company (realm) per grant.

Sources: developer.intuit.com "OAuth 2.0" and "Refresh tokens"; the realm arrives as `realmId` on
the callback, the company name comes from CompanyInfo.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import httpx

from simplecommercesync.providers.base import AccountIdentity, Endpoints, Provider, Scope
from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.providers.quickbooks.client import QuickBooksClient
from simplecommercesync.providers.quickbooks.discovery import discovery_document
from simplecommercesync.providers.quickbooks.errors import raise_for_quickbooks

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"


class QuickBooksProvider(Provider):
    key = "quickbooks"
    name = "QuickBooks"
    account_label = "Realm ID"
    account_noun = "company"
    settings_name = "SCS_QUICKBOOKS"
    env_prefix = "SCS_QBO"
    token_auth_method = "client_secret_basic"  # Intuit wants HTTP Basic client authentication
    default_access_lifetime = timedelta(hours=1)
    # Intuit rotates the refresh token about once a day; the superseded one dies (Intuit, "Refresh tokens").
    rotates_refresh_tokens = True
    grant_error_codes = frozenset({"invalid_grant"})
    client_error_codes = frozenset({"invalid_client"})
    revoke_elsewhere = "QuickBooks → Settings → Manage apps (or Intuit's Apps Connected page)"
    scopes = (
        Scope(
            ACCOUNTING_SCOPE,
            "QuickBooks Online accounting data",
            "Read and write customers, items, invoices, estimates and payments, and read tax codes "
            "and company info. Intuit grants accounting access as a single permission.",
        ),
    )

    def _discovery(self, http: httpx.Client) -> dict[str, str]:
        return discovery_document(http, self.app.auth_base_url)

    def endpoints(self, http: httpx.Client) -> Endpoints:
        document = self._discovery(http)
        return Endpoints(
            authorize_url=document["authorization_endpoint"], token_url=document["token_endpoint"]
        )

    def identify(
        self, http: httpx.Client, access_token: str, token: Mapping[str, object], callback: Mapping[str, str]
    ) -> AccountIdentity:
        realm_id = callback.get("realmId", "")
        if not (realm_id.isascii() and realm_id.isdigit()):
            raise Rejected("QuickBooks did not say which company was authorized (no realmId).")
        info = QuickBooksClient(self.app.api_base_url, realm_id, access_token, http).company_info()
        granted = str(token.get("scope") or ACCOUNTING_SCOPE).split()
        email = info.get("Email", {}).get("Address", "") if isinstance(info.get("Email"), dict) else ""
        return AccountIdentity(
            account_id=realm_id,
            account_name=str(info.get("CompanyName") or ""),
            provider_user=str(email),
            scopes=tuple(granted),
            environment=self.app.environment,
        )

    def probe(self, http: httpx.Client, access_token: str, account_id: str) -> None:
        QuickBooksClient(self.app.api_base_url, account_id, access_token, http).company_info()

    def revoke(self, http: httpx.Client, refresh_token: str, access_token: str) -> None:
        # Revoking the refresh token revokes the whole grant (Intuit, "Revoke tokens").
        response = http.post(
            self._discovery(http)["revocation_endpoint"],
            json={"token": refresh_token or access_token},
            auth=(self.app.client_id, self.app.client_secret),
            headers={"Accept": "application/json"},
        )
        raise_for_quickbooks(response)
