"""The providers a workspace can connect, by key."""

from __future__ import annotations

from .base import Provider
from .hubspot import HubSpotProvider
from .quickbooks import QuickBooksProvider

PROVIDERS: dict[str, Provider] = {
    provider.key: provider for provider in (HubSpotProvider(), QuickBooksProvider())
}


def get_provider(key: str) -> Provider:
    return PROVIDERS[key]
