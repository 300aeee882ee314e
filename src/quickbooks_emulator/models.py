"""The whole emulated Intuit world: the OAuth server state and one backend per company."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import EmulatorConfig
from .entities.company import ChangeEvent, CompanyBackend
from .entities.profile import CompanyProfile
from .exceptions import OAuthError
from .oauth_models import OAuthBackend, TokenSet


class UnknownCompany(KeyError):
    pass


class World:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.oauth = OAuthBackend(config.access_token_lifetime, config.refresh_rotation_seconds)
        self.companies: dict[str, CompanyBackend] = {}
        self.listeners: list[Callable[[ChangeEvent], None]] = []

    def reset(self) -> None:
        self.oauth.reset()
        self.companies.clear()

    def seed(self, name: str) -> None:
        from .seed import SEEDS  # noqa: PLC0415 (seed data builds on this module: a cycle at import time)

        if name not in SEEDS:
            raise ValueError(f"unknown seed {name!r}; choose one of {', '.join(SEEDS)}")
        self.reset()
        SEEDS[name](self)

    def add_company(
        self, realm_id: str, name: str, environment: str = "sandbox", profile: CompanyProfile | None = None
    ) -> CompanyBackend:
        company = CompanyBackend(realm_id, name, environment, profile, on_change=self._changed)
        self.companies[realm_id] = company
        return company

    def company(self, realm_id: str) -> CompanyBackend:
        company = self.companies.get(realm_id)
        if company is None:
            raise UnknownCompany(realm_id)
        return company

    def issue_tokens(self, realm_id: str, client_id: str | None = None) -> TokenSet:
        """Test set-up: tokens for a company without the browser consent."""
        self.company(realm_id)
        app_id = client_id or next(iter(self.oauth.apps), None)
        if app_id is None or app_id not in self.oauth.apps:
            raise OAuthError("invalid_client", 400, "no such app registration")
        owner = next((user for user in self.oauth.users.values() if realm_id in user.realm_ids), None)
        email = owner.email if owner else "emulator@intuit.example"
        return self.oauth.open_grant(app_id, realm_id, email, ["com.intuit.quickbooks.accounting"])

    def state(self) -> dict[str, Any]:
        return {
            "apps": [app.to_json() for app in self.oauth.apps.values()],
            "companies": [
                {
                    "realm_id": company.realm_id,
                    "name": company.name,
                    "environment": company.environment,
                    "country": company.country,
                    "home_currency": company.profile.home_currency,
                    "tax_model": company.profile.tax_model,
                    "counts": company.summary()["counts"],
                }
                for company in self.companies.values()
            ],
            "users": [user.to_json() for user in self.oauth.users.values()],
            "connections": self.oauth.connections(),
        }

    def _changed(self, event: ChangeEvent) -> None:
        for listener in self.listeners:
            listener(event)
