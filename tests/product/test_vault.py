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
