"""Issue 9 point 10: production refuses unsafe settings, sends HSTS and Secure cookies, never shows
a client secret on Django's debug or error pages, and checks passwords beyond their length."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from simplecommercesync.config import ConfigError, OAuthApp, load_config

KEY = Fernet.generate_key().decode()
SECRET = "hubspot-client-secret-0123456789"


def production(tmp_path: Path, **values: str) -> dict[str, str]:
    return {
        "SCS_VAR_DIR": str(tmp_path),
        "SCS_ENV": "production",
        "SCS_SECRET_KEY": "s" * 50,
        "SCS_ENCRYPTION_KEYS": KEY,
        "SCS_BASE_URL": "https://sync.example.com",
        **values,
    }


def test_production_refuses_debug(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SCS_DEBUG=true is refused when SCS_ENV=production"):
        load_config(production(tmp_path, SCS_DEBUG="true"))
    assert load_config(production(tmp_path, SCS_DEBUG="false")).debug is False


def test_production_refuses_a_plain_http_base_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SCS_BASE_URL must be an https:// URL when SCS_ENV=production"):
        load_config(production(tmp_path, SCS_BASE_URL="http://sync.example.com"))


def test_production_settings_send_hsts_and_secure_cookies(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCS_", "DATABASE_URL", "REDIS_URL"))}
    env.update(production(tmp_path), DJANGO_SETTINGS_MODULE="simplecommercesync.settings")
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG]))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    hsts, subdomains, session_secure, csrf_secure, redirect, debug = json.loads(shown.stdout)
    assert hsts >= 31_536_000 and subdomains and session_secure and csrf_secure and redirect
    assert debug is False


def test_debug_page_never_shows_a_client_secret(settings) -> None:
    settings.SCS_HUBSPOT = OAuthApp("client-id", SECRET, "https://app.hubspot.com", "https://api.hubapi.com")
    assert SECRET not in repr(settings.SCS_HUBSPOT)
    request = RequestFactory().get("/boom")

    def failing_call(app: OAuthApp, client_secret: str, token: dict[str, str]) -> None:
        raise RuntimeError("provider call failed")

    try:
        failing_call(settings.SCS_HUBSPOT, SECRET, {"access_token": SECRET, "refresh_token": SECRET})
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        html = reporter.get_traceback_html()
        text = reporter.get_traceback_text()
    assert "provider call failed" in html
    assert SECRET not in html and SECRET not in text
    assert "********************" in html


@pytest.mark.parametrize("password", ["password123", "12345678901", "qwertyuiop"])
def test_passwords_are_checked_beyond_length(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)
    validate_password("correct-horse-42")
