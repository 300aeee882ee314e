"""The providers a workspace can connect, by key."""

from __future__ import annotations

from simplecommercesync.providers.base import Provider
from simplecommercesync.providers.hubspot.connection import HubSpotProvider
from simplecommercesync.providers.quickbooks.connection import QuickBooksProvider

PROVIDERS: dict[str, Provider] = {
    provider.key: provider for provider in (HubSpotProvider(), QuickBooksProvider())
}


def get_provider(key: str) -> Provider:
    return PROVIDERS[key]
