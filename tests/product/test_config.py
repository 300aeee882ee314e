from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from simplecommercesync.config import ConfigError, load_config, parse_bool

KEY = Fernet.generate_key().decode()


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SCS_VAR_DIR": str(tmp_path), **values}


def test_local_generates_secrets_once_and_reuses_them(tmp_path: Path) -> None:
    first = load_config(env(tmp_path))
    second = load_config(env(tmp_path))
    assert first.secret_key == second.secret_key
    assert first.encryption_keys == second.encryption_keys
    assert (tmp_path / "encryption_keys").stat().st_mode & 0o777 == 0o600
    Fernet(first.encryption_keys[0].encode())


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SCS_SECRET_KEY and SCS_ENCRYPTION_KEYS must be set"):
        load_config(env(tmp_path, SCS_ENV="production"))
    assert not (tmp_path / "secret_key").exists()


def test_production_with_keys(tmp_path: Path) -> None:
    config = load_config(
        env(
            tmp_path,
            SCS_ENV="production",
            SCS_SECRET_KEY="s" * 50,
            SCS_ENCRYPTION_KEYS=f"{KEY}, {Fernet.generate_key().decode()}",
            SCS_BASE_URL="https://sync.example.com/",
        )
    )
    assert config.is_production
    assert len(config.encryption_keys) == 2
    assert config.base_url == "https://sync.example.com"
    assert config.allowed_hosts == ("sync.example.com",)


def test_defaults(tmp_path: Path) -> None:
    config = load_config(env(tmp_path))
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'scs.sqlite3'}"
    assert config.redis_url is None
    assert config.debug is False
    assert "127.0.0.1" in config.allowed_hosts


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SCS_ENCRYPTION_KEYS": "not-a-key"}, "key 1 is not a valid Fernet key"),
        ({"SCS_ENCRYPTION_KEYS": f"{KEY},short"}, "key 2 is not a valid Fernet key"),
        ({"SCS_DEBUG": "maybe"}, "SCS_DEBUG must be true or false"),
        ({"SCS_BASE_URL": "sync.example.com"}, "SCS_BASE_URL must be an absolute"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start with"),
        ({"DATABASE_URL": "just-a-name"}, "DATABASE_URL must look like"),
        ({"SCS_ENV": "staging"}, "SCS_ENV must be local, test or production"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env(tmp_path, **values))


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("YES", True), ("off", False), (None, True)])
def test_parse_bool(raw: str | None, expected: bool) -> None:
    assert parse_bool("X", raw, default=True) is expected


def test_explicit_urls_pass_through(tmp_path: Path) -> None:
    config = load_config(
        env(
            tmp_path,
            DATABASE_URL="postgres://u@db:5432/scs",
            REDIS_URL="redis://cache:6379/0",
            SCS_ALLOWED_HOSTS="a.example, b.example",
        )
    )
    assert config.database_url == "postgres://u@db:5432/scs"
    assert config.redis_url == "redis://cache:6379/0"
    assert config.allowed_hosts == ("a.example", "b.example")
