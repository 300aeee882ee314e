import pytest
from cryptography.fernet import Fernet

from simplecommercesync.connections.vault import TokenUnreadable, TokenVault

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_sealed_token_is_not_the_token_and_opens_again() -> None:
    vault = TokenVault([OLD])
    sealed = vault.seal("secret-access-token")
    assert "secret-access-token" not in sealed
    assert vault.open(sealed) == "secret-access-token"


def test_rotation_new_key_first_still_opens_old_tokens_and_rewrites_them() -> None:
    old_sealed = TokenVault([OLD]).seal("t1")
    rotated_vault = TokenVault([NEW, OLD])
    assert rotated_vault.open(old_sealed) == "t1"
    rewritten = rotated_vault.rotate(old_sealed)
    assert TokenVault([NEW]).open(rewritten) == "t1"
    with pytest.raises(TokenUnreadable):
        TokenVault([OLD]).open(TokenVault([NEW]).seal("t2"))


def test_removing_a_key_too_early_is_a_clear_error() -> None:
    with pytest.raises(TokenUnreadable, match="SCS_ENCRYPTION_KEYS"):
        TokenVault([NEW]).open(TokenVault([OLD]).seal("t"))


def test_empty_stays_empty() -> None:
    assert TokenVault([OLD]).seal("") == "" and TokenVault([OLD]).open("") == ""


@pytest.mark.django_db
def test_rotate_keys_reseals_every_token_and_reports_unreadable_ones(settings, workspace, capsys) -> None:
    from cryptography.fernet import Fernet

    from simplecommercesync.accounts.models import Workspace
    from simplecommercesync.cli import main
    from simplecommercesync.connections.models import Cause, Connection, Status

    old, new, lost = (Fernet.generate_key().decode() for _ in range(3))
    readable = Connection.objects.create(
        workspace=workspace,
        provider="hubspot",
        status=Status.CONNECTED,
        access_token_encrypted=TokenVault([old]).seal("access-1"),
        refresh_token_encrypted=TokenVault([old]).seal("refresh-1"),
    )
    settings.SCS_ENCRYPTION_KEYS = (new, old)
    assert main(["rotate-keys"]) == 0
    readable.refresh_from_db()
    assert TokenVault([new]).open(readable.refresh_token_encrypted) == "refresh-1"
    assert "Re-sealed the tokens of 1 connection(s)" in capsys.readouterr().out

    other = Workspace.objects.create(name="Other")
    orphaned = Connection.objects.create(
        workspace=other,
        provider="quickbooks",
        status=Status.CONNECTED,
        access_token_encrypted=TokenVault([lost]).seal("access-2"),
        refresh_token_encrypted=TokenVault([lost]).seal("refresh-2"),
    )
    assert main(["rotate-keys"]) == 1
    assert "No configured key opens the stored authorization of: workspace" in capsys.readouterr().err
    orphaned.refresh_from_db()
    assert (orphaned.status, orphaned.cause) == (Status.DISCONNECTED, Cause.UNREADABLE)
    assert orphaned.refresh_token_encrypted, "an unreadable token is reported, never erased"
