"""TokenVault: provider tokens encrypted at rest with the configured Fernet keys.

The first key of SCS_ENCRYPTION_KEYS encrypts; any key decrypts (MultiFernet), so keys rotate by
putting a new one first and running `rotate` over the stored tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TokenUnreadable(Exception):
    """A stored token cannot be decrypted with any configured key (a key was removed too early)."""


class TokenVault:
    def __init__(self, keys: Sequence[str] | None = None) -> None:
        chosen = keys if keys is not None else settings.SCS_ENCRYPTION_KEYS
        self._fernet = MultiFernet([Fernet(key.encode()) for key in chosen])

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode() if token else ""

    def open(self, sealed: str) -> str:
        if not sealed:
            return ""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise TokenUnreadable(
                "A stored token cannot be decrypted with the configured SCS_ENCRYPTION_KEYS."
            ) from exc

    def can_open(self, *sealed: str) -> bool:
        try:
            for value in sealed:
                self.open(value)
        except TokenUnreadable:
            return False
        return True

    def rotate(self, sealed: str) -> str:
        return self._fernet.rotate(sealed.encode()).decode() if sealed else ""
