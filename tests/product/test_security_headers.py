"""Issue 15 point 4: security headers (CSP without inline script, no framing, HSTS in production)
and session cookies that are Secure, HttpOnly and SameSite in production mode.

The production checks run the product's real settings in a child process with SCS_ENV=production,
so what they see is what a deployment gets, not a test override.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from simplecommercesync.accounts.models import User
from simplecommercesync.security_headers import POLICY

from .conftest import PASSWORD, sign_in_browser
from .url_catalogue import concrete_urls, connect_looking, endpoints

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\s on[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def every_template() -> list[Path]:
    roots = [TEMPLATES, *Path(settings.BASE_DIR).glob("*/templates")]
    return sorted({p for root in roots for p in root.rglob("*.html")})


def test_templates_hold_no_inline_script_handlers_or_style_attributes() -> None:
    templates = every_template()
    assert len(templates) >= 15
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {pattern.pattern}"
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE)
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_the_policy_allows_nothing_inline_and_no_framing() -> None:
    directives = dict(part.strip().split(" ", 1) for part in POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in POLICY
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_every_page_sends_csp_and_frame_denial(admin: User) -> None:
    connect_looking(admin.workspace, "1")
    client = Client()
    client.force_login(admin)
    seen = 0
    for endpoint in endpoints():
        if endpoint.parameters:
            continue
        response = client.get(f"/{endpoint.route}")
        assert response["Content-Security-Policy"] == POLICY, endpoint
        assert response["X-Frame-Options"] == "DENY", endpoint
        assert response["X-Content-Type-Options"] == "nosniff", endpoint
        seen += 1
    anonymous = Client().get("/sign-in/")
    assert anonymous["Content-Security-Policy"] == POLICY
    assert seen >= 15


def _production_probe(tmp_path: Path, script: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCS_", "DATABASE_URL", "REDIS_URL"))}
    env.update({
        "SCS_ENV": "production", "SCS_VAR_DIR": str(tmp_path), "SCS_SECRET_KEY": "p" * 50,
        "SCS_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "SCS_BASE_URL": "https://sync.example.com",
        "DJANGO_SETTINGS_MODULE": "simplecommercesync.settings",
    })
    shown = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-3000:]
    return json.loads(shown.stdout.strip().splitlines()[-1])


SIGN_IN_IN_PRODUCTION = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from simplecommercesync.accounts.provisioning import ensure_admin
ensure_admin("ops@sync.example.com", "Prod-Pass-0192837", "Prod")
from django.test import Client
client = Client(HTTP_HOST="sync.example.com", HTTP_X_FORWARDED_PROTO="https")
page = client.get("/sign-in/")
csrf = client.cookies["csrftoken"].value
answer = client.post("/sign-in/", {"username": "ops@sync.example.com", "password": "Prod-Pass-0192837",
                                   "csrfmiddlewaretoken": csrf})
plain = Client(HTTP_HOST="sync.example.com").get("/sign-in/")
def flags(name):
    morsel = client.cookies[name]
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}
print(json.dumps({
    "status": answer.status_code, "session": flags("sessionid"), "csrf": flags("csrftoken"),
    "hsts": page.get("Strict-Transport-Security"), "csp": page.get("Content-Security-Policy"),
    "xfo": page.get("X-Frame-Options"), "plain_status": plain.status_code, "plain_location": plain.get("Location"),
}))
"""


def test_production_signs_in_with_secure_httponly_samesite_cookies_and_hsts(tmp_path: Path) -> None:
    seen = _production_probe(tmp_path, SIGN_IN_IN_PRODUCTION)
    assert seen["status"] == 302
    assert seen["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The CSRF cookie is read by nothing but Django (pages carry the token), so it is Secure too.
    assert seen["csrf"]["secure"] is True and seen["csrf"]["samesite"] == "Lax"
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["csp"] == POLICY and seen["xfo"] == "DENY"
    # Plain HTTP (no X-Forwarded-Proto from the proxy) is sent to https.
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://sync.example.com/")


@pytest.mark.browser
def test_pages_run_under_the_policy_without_a_single_violation(page: Any, live_server: Any, admin: User) -> None:
    """Chromium enforces the CSP: every page loads its script, the Disconnect dialog still opens
    (behaviour moved from inline handlers to app.js), and the console reports no violation."""
    connect_looking(admin.workspace, "2")
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in_browser(page, live_server.url, admin.email, PASSWORD)
    visited = 0
    probe = Client()
    probe.force_login(admin)
    for endpoint in endpoints():
        if any(c == "int" for c, _ in endpoint.parameters) or endpoint.csrf_exempt:
            continue
        for url in concrete_urls(endpoint, {}):
            shown = probe.get(url)
            # Pages only: what a browser would be shown (not POST-only actions, CSV or fragments).
            if shown.status_code != 200 or "<html" not in (b"" if shown.streaming else shown.content).decode():
                continue
            answer = page.goto(f"{live_server.url}{url}")
            assert answer is not None and answer.ok, url
            visited += 1
    page.goto(f"{live_server.url}/settings/connections/")
    section = page.get_by_test_id("connection-hubspot")
    section.get_by_role("button", name="Disconnect").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert visited >= 12
    assert violations == []
