"""Storing a token response on a connection: sealed in the vault, expiry computed, and the
refresh token the provider returned always kept (QuickBooks rotates it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simplecommercesync.connections.models import Connection
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.providers.base import Provider


def sealed_token_fields(provider: Provider, token: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The Connection fields a token response sets: tokens sealed, expiries computed."""
    vault = TokenVault()
    fields: dict[str, Any] = {"access_token_encrypted": vault.seal(str(token["access_token"]))}
    if token.get("refresh_token"):
        fields["refresh_token_encrypted"] = vault.seal(str(token["refresh_token"]))
    lifetime = _seconds(token.get("expires_in"))
    fields["access_expires_at"] = now + (
        timedelta(seconds=lifetime) if lifetime else provider.default_access_lifetime
    )
    refresh_lifetime = _seconds(token.get("x_refresh_token_expires_in"))
    if refresh_lifetime:
        fields["refresh_expires_at"] = now + timedelta(seconds=refresh_lifetime)
    return fields


def store_token(connection: Connection, provider: Provider, token: dict[str, Any], now: datetime) -> None:
    for name, value in sealed_token_fields(provider, token, now).items():
        setattr(connection, name, value)


def erase_tokens(connection: Connection) -> None:
    connection.access_token_encrypted = ""
    connection.refresh_token_encrypted = ""
    connection.access_expires_at = None
    connection.refresh_expires_at = None


def _seconds(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
