"""What the shared connection code needs to know about a provider, declared as data plus a few hooks.

The shared OAuth, refresh and health code reads these facts and never branches on the provider's
name; each quirk lives behind a hook in the provider's own module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings

from simplecommercesync.config import OAuthApp
from simplecommercesync.providers.http.transport import ProviderTransport


@dataclass(frozen=True)
class Scope:
    name: str
    grants: str
    why: str


@dataclass(frozen=True)
class Endpoints:
    authorize_url: str
    token_url: str


@dataclass(frozen=True)
class AccountIdentity:
    """Who and what an authorization gave us access to."""

    account_id: str
    account_name: str
    provider_user: str
    scopes: tuple[str, ...]
    environment: str = ""


class Provider(ABC):
    key: str
    name: str
    account_label: str  # "Portal ID" / "Realm ID"
    account_noun: str  # "portal" / "company"
    settings_name: str  # the Django setting holding its OAuthApp
    env_prefix: str  # prefix of its environment variables, for messages to operators
    token_auth_method: str  # how the token endpoint wants the client credentials
    default_access_lifetime: timedelta
    scopes: tuple[Scope, ...]
    rotates_refresh_tokens: bool  # a refresh may return a new refresh token and kill the old one
    grant_error_codes: frozenset[str]  # token-endpoint error codes meaning "this grant is gone"
    client_error_codes: frozenset[str]  # ... meaning "our client id/secret is wrong"
    revoke_elsewhere: str  # where a person removes the app on the provider's side

    @property
    def app(self) -> OAuthApp:
        app: OAuthApp = getattr(settings, self.settings_name)
        return app

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(scope.name for scope in self.scopes)

    def redirect_uri(self) -> str:
        return f"{settings.SCS_BASE_URL}/settings/connections/{self.key}/callback/"

    def authorize_params(self) -> dict[str, str]:
        """Extra query parameters the provider's authorize URL wants."""
        return {}

    @abstractmethod
    def endpoints(self, http: httpx.Client) -> Endpoints: ...

    @abstractmethod
    def identify(
        self, http: httpx.Client, access_token: str, token: Mapping[str, object], callback: Mapping[str, str]
    ) -> AccountIdentity:
        """Read the account behind a fresh authorization (after the code exchange)."""

    @abstractmethod
    def probe(self, http: httpx.Client, access_token: str, account_id: str) -> None:
        """A cheap authenticated call proving the token works; raises a provider error otherwise."""

    @abstractmethod
    def revoke(self, http: httpx.Client, refresh_token: str, access_token: str) -> None:
        """Revoke the grant at the provider."""


def provider_http() -> httpx.Client:
    return httpx.Client(
        transport=ProviderTransport(),
        timeout=settings.SCS_PROVIDER_TIMEOUT_SECONDS,
        headers={"User-Agent": "SimpleCommerceSync/0.1"},
    )
