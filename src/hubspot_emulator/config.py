"""Run-time settings of one emulator process (what `scs emulator hubspot` flags set)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_PORT = 8101
# The product's OAuth callback in demo mode (SCS_BASE_URL=http://127.0.0.1:8000).
DEMO_REDIRECT_URIS = (
    "http://127.0.0.1:8000/settings/connections/hubspot/callback/",
    "http://localhost:8000/settings/connections/hubspot/callback/",
)


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: str = "demo"  # "demo" or "empty"
    rate_limit_scale: float = 1.0
    # https://developers.hubspot.com/docs/api/oauth/tokens: access tokens live 30 minutes.
    access_token_lifetime_s: int = 1800
    auth_code_lifetime_s: int = 600
    sign_in_lifetime_s: int = 86400
    webhook_url: str | None = None
    # Replaces the demo app's redirect URIs when not empty.
    redirect_uris: list[str] = field(default_factory=list)
    # HubSpot indexes writes for search after a short delay; 0 makes them visible at once
    # (the CLI defaults to 1 s with the demo seed).
    search_delay_s: float = 0.0
    # `--webhook-subscriptions`: the subscriptions every app starts with (see
    # webhook_subscriptions.parse_spec); None means "all".
    webhook_subscriptions: str | None = None
