"""Test-wide set-up: an isolated var dir and fixed keys, the backends chosen by `make test`, and a
real Chromium for browser tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

_VAR_DIR = tempfile.mkdtemp(prefix="scs-test-")
os.environ.setdefault("SCS_ENV", "test")
os.environ["SCS_VAR_DIR"] = _VAR_DIR
os.environ.setdefault("SCS_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault(
    "SCS_ENCRYPTION_KEYS",
    "uHnD2cHc9Vb1m9o3cB0yR6kQbYp5mTz6vS9W4gWm0aE=,0zv1LZr3Zq9c0D6nY6Sxv0rH8k0bZbq2hS8b2mQ6Uo0=",
)
# Playwright's sync API runs an event loop in the test thread; the ORM calls we make beside it are
# ordinary synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
if os.environ.get("TEST_REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
else:
    os.environ.pop("REDIS_URL", None)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_report_header(config: pytest.Config) -> str:
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    queue = "Redis" if os.environ.get("REDIS_URL") else "SqliteHuey"
    return f"SimpleCommerceSync backends: database={database}, queue={queue}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium.")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
