"""Configuration from the environment (12-factor), parsed once into a typed `Config`.

Every variable is listed in the README. Local use generates missing secrets once into the var
directory (with a warning); production refuses to start without them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key

logger = logging.getLogger(__name__)

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable and the fix."""


QBO_DISCOVERY_URLS = {
    "sandbox": "https://developer.intuit.com/.well-known/openid_sandbox_configuration",
    "production": "https://developer.intuit.com/.well-known/openid_configuration",
}
QBO_API_BASE_URLS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
    "production": "https://quickbooks.api.intuit.com",
}


@dataclass(frozen=True)
class OAuthApp:
    """One provider app registration and where its servers are (real ones unless overridden)."""

    client_id: str
    # Never in a repr: Django's debug and error pages print settings and frame variables with repr().
    client_secret: str = field(repr=False)
    auth_base_url: str
    api_base_url: str
    environment: str = "production"

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}


@dataclass(frozen=True)
class EmailSettings:
    """How e-mail (failure alerts) leaves: printed (console), written to files, or sent by SMTP."""

    backend: str = "console"
    from_address: str = "SimpleCommerceSync <no-reply@localhost>"
    file_dir: Path | None = None
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    # Never in a repr, like the OAuth client secrets.
    smtp_password: str = field(default="", repr=False)
    smtp_security: str = "starttls"  # starttls | ssl | none

    @property
    def backend_path(self) -> str:
        return EMAIL_BACKENDS[self.backend]


def parse_email(env_vars: Mapping[str, str], var_dir: Path, base_url: str) -> EmailSettings:
    backend = env_vars.get("SCS_EMAIL_BACKEND", "console").strip().lower() or "console"
    if backend not in EMAIL_BACKENDS:
        raise ConfigError(f"SCS_EMAIL_BACKEND must be console, file or smtp (got {backend!r}).")
    host = urlparse(base_url).hostname or "localhost"
    from_address = env_vars.get("SCS_EMAIL_FROM", "").strip() or f"SimpleCommerceSync <no-reply@{host}>"
    security = env_vars.get("SCS_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in {"starttls", "ssl", "none"}:
        raise ConfigError(f"SCS_SMTP_SECURITY must be starttls, ssl or none (got {security!r}).")
    smtp_host = env_vars.get("SCS_SMTP_HOST", "").strip()
    if backend == "smtp" and not smtp_host:
        raise ConfigError("SCS_EMAIL_BACKEND=smtp needs SCS_SMTP_HOST (the mail server's host name).")
    return EmailSettings(
        backend=backend,
        from_address=from_address,
        file_dir=Path(env_vars.get("SCS_EMAIL_FILE_DIR") or var_dir / "mail").resolve() if backend == "file" else None,
        smtp_host=smtp_host,
        smtp_port=parse_int("SCS_SMTP_PORT", env_vars.get("SCS_SMTP_PORT"), 465 if security == "ssl" else 587),
        smtp_user=env_vars.get("SCS_SMTP_USER", "").strip(),
        smtp_password=env_vars.get("SCS_SMTP_PASSWORD", ""),
        smtp_security=security,
    )


@dataclass(frozen=True)
class Config:
    env: str
    debug: bool
    var_dir: Path
    secret_key: str
    encryption_keys: tuple[str, ...]
    database_url: str
    redis_url: str | None
    allowed_hosts: tuple[str, ...]
    base_url: str
    hubspot: OAuthApp
    quickbooks: OAuthApp
    refresh_grace_seconds: int
    provider_timeout_seconds: float
    # Intuit's webhook verifier token: signs `intuit-signature` (unset: QuickBooks webhooks are refused).
    quickbooks_webhook_verifier: str = field(default="", repr=False)
    # Multiplies every provider rate limit the product keeps to (the benchmark's emulators run ×10).
    rate_limit_scale: float = 1.0
    # Task-queue name: installations (or test runs) sharing one Redis database keep their queues apart.
    queue_name: str = "scs"
    # How long a worker holds the records it claimed before another may take them (a dead worker's
    # records come back after this).
    sync_lease_seconds: int = 120
    email: EmailSettings = field(default_factory=EmailSettings)

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false (got {raw!r}).")


def parse_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number (got {raw!r}).") from exc
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 (got {value}).")
    return value


def parse_scale(name: str, raw: str | None, default: float) -> float:
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number such as 1 or 10 (got {raw!r}).") from exc
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a number above 0 (got {raw!r}).")
    return value


def parse_list(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_encryption_keys(name: str, raw: str) -> tuple[str, ...]:
    keys = parse_list(raw)
    if not keys:
        raise ConfigError(f"{name} is empty; give one or more Fernet keys separated by commas.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{name}: key {position} is not a valid Fernet key (32 url-safe base64 bytes). "
                'Make one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from exc
    return keys


def parse_base_url(name: str, raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ConfigError(f"{name} must be an absolute http(s) URL such as https://sync.example.com.")
    return raw.rstrip("/")


def _local_secret(var_dir: Path, filename: str, make: Callable[[], str], what: str) -> str:
    path = var_dir / filename
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    logger.warning("Generated %s into %s for local use; set it explicitly in production.", what, path)
    return value


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    env_vars = os.environ if environ is None else environ
    env = env_vars.get("SCS_ENV", "local").strip().lower() or "local"
    if env not in {"local", "production", "test"}:
        raise ConfigError(f"SCS_ENV must be local, test or production (got {env!r}).")
    production = env == "production"
    var_dir = Path(env_vars.get("SCS_VAR_DIR") or Path.cwd() / "var").resolve()

    secret_key = env_vars.get("SCS_SECRET_KEY", "").strip()
    raw_keys = env_vars.get("SCS_ENCRYPTION_KEYS", "").strip()
    if production:
        missing = [n for n, v in (("SCS_SECRET_KEY", secret_key), ("SCS_ENCRYPTION_KEYS", raw_keys)) if not v]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} must be set when SCS_ENV=production; refusing to start."
            )
    if not secret_key:
        secret_key = _local_secret(var_dir, "secret_key", get_random_secret_key, "SCS_SECRET_KEY")
    if not raw_keys:
        raw_keys = _local_secret(
            var_dir,
            "encryption_keys",
            lambda: Fernet.generate_key().decode(),
            "SCS_ENCRYPTION_KEYS",
        )
    encryption_keys = parse_encryption_keys("SCS_ENCRYPTION_KEYS", raw_keys)

    database_url = env_vars.get("DATABASE_URL", "").strip() or f"sqlite:///{var_dir / 'scs.sqlite3'}"
    if "://" not in database_url:
        raise ConfigError("DATABASE_URL must look like postgres://user@host:5432/name or sqlite:///path.")
    redis_url = env_vars.get("REDIS_URL", "").strip() or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://.")

    base_url = parse_base_url("SCS_BASE_URL", env_vars.get("SCS_BASE_URL", "http://127.0.0.1:8000"))
    allowed_hosts = parse_list(env_vars.get("SCS_ALLOWED_HOSTS"))
    if not allowed_hosts:
        host = urlparse(base_url).hostname or "127.0.0.1"
        allowed_hosts = (host,) if production else (host, "127.0.0.1", "localhost", "testserver")

    qbo_environment = env_vars.get("SCS_QBO_ENVIRONMENT", "sandbox").strip().lower() or "sandbox"
    if qbo_environment not in QBO_API_BASE_URLS:
        raise ConfigError(f"SCS_QBO_ENVIRONMENT must be sandbox or production (got {qbo_environment!r}).")
    hubspot = OAuthApp(
        client_id=env_vars.get("SCS_HUBSPOT_CLIENT_ID", "").strip(),
        client_secret=env_vars.get("SCS_HUBSPOT_CLIENT_SECRET", "").strip(),
        auth_base_url=parse_base_url(
            "SCS_HUBSPOT_AUTH_BASE_URL",
            env_vars.get("SCS_HUBSPOT_AUTH_BASE_URL") or "https://app.hubspot.com",
        ),
        api_base_url=parse_base_url(
            "SCS_HUBSPOT_API_BASE_URL", env_vars.get("SCS_HUBSPOT_API_BASE_URL") or "https://api.hubapi.com"
        ),
    )
    quickbooks = OAuthApp(
        client_id=env_vars.get("SCS_QBO_CLIENT_ID", "").strip(),
        client_secret=env_vars.get("SCS_QBO_CLIENT_SECRET", "").strip(),
        auth_base_url=parse_base_url(
            "SCS_QBO_DISCOVERY_URL",
            env_vars.get("SCS_QBO_DISCOVERY_URL") or QBO_DISCOVERY_URLS[qbo_environment],
        ),
        api_base_url=parse_base_url(
            "SCS_QBO_API_BASE_URL", env_vars.get("SCS_QBO_API_BASE_URL") or QBO_API_BASE_URLS[qbo_environment]
        ),
        environment=qbo_environment,
    )

    debug = parse_bool("SCS_DEBUG", env_vars.get("SCS_DEBUG"), default=False)
    if production and debug:
        raise ConfigError(
            "SCS_DEBUG=true is refused when SCS_ENV=production: debug pages show internals. Unset SCS_DEBUG."
        )
    if production and not base_url.startswith("https://"):
        raise ConfigError(
            "SCS_BASE_URL must be an https:// URL when SCS_ENV=production (sign-in cookies and OAuth "
            "redirects must not travel in clear text); refusing to start."
        )

    return Config(
        env=env,
        debug=debug,
        var_dir=var_dir,
        secret_key=secret_key,
        encryption_keys=encryption_keys,
        database_url=database_url,
        redis_url=redis_url,
        allowed_hosts=allowed_hosts,
        base_url=base_url,
        hubspot=hubspot,
        quickbooks=quickbooks,
        refresh_grace_seconds=parse_int(
            "SCS_REFRESH_GRACE_SECONDS", env_vars.get("SCS_REFRESH_GRACE_SECONDS"), 3600
        ),
        provider_timeout_seconds=float(
            parse_int("SCS_PROVIDER_TIMEOUT_SECONDS", env_vars.get("SCS_PROVIDER_TIMEOUT_SECONDS"), 15)
        ),
        quickbooks_webhook_verifier=env_vars.get("SCS_QBO_WEBHOOK_VERIFIER_TOKEN", "").strip(),
        rate_limit_scale=parse_scale("SCS_RATE_LIMIT_SCALE", env_vars.get("SCS_RATE_LIMIT_SCALE"), 1.0),
        queue_name=env_vars.get("SCS_QUEUE_NAME", "").strip() or "scs",
        sync_lease_seconds=max(5, parse_int("SCS_SYNC_LEASE_SECONDS", env_vars.get("SCS_SYNC_LEASE_SECONDS"), 120)),
        email=parse_email(env_vars, var_dir, base_url),
    )
