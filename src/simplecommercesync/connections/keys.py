"""`scs rotate-keys`: re-seal every stored token with the first key of SCS_ENCRYPTION_KEYS.

Rotation is: put a new key first, keep the old one after it, run this, then remove the old key.
A token no configured key opens is reported (and its connection shown as needing a reconnect),
never erased: putting the missing key back makes it readable again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken

from simplecommercesync.connections.models import Connection
from simplecommercesync.connections.refresh import mark_unreadable
from simplecommercesync.connections.vault import TokenVault


@dataclass
class RotationReport:
    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)
    changed_meanwhile: int = 0


def rotate_all_tokens() -> RotationReport:
    vault = TokenVault()
    report = RotationReport()
    for connection in Connection.objects.exclude(access_token_encrypted="", refresh_token_encrypted=""):
        try:
            access = vault.rotate(connection.access_token_encrypted)
            refresh = vault.rotate(connection.refresh_token_encrypted)
        except InvalidToken:
            mark_unreadable(connection)
            report.unreadable.append(
                f"workspace {connection.workspace_id} ({connection.workspace.name}), {connection.provider}"
            )
            continue
        # Conditional: a refresh that stored new tokens meanwhile sealed them with the first key already.
        updated = Connection.objects.filter(
            pk=connection.pk,
            access_token_encrypted=connection.access_token_encrypted,
            refresh_token_encrypted=connection.refresh_token_encrypted,
        ).update(access_token_encrypted=access, refresh_token_encrypted=refresh)
        if updated:
            report.resealed += 1
        else:
            report.changed_meanwhile += 1
    return report
