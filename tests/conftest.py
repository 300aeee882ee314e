"""Test-wide set-up: an isolated var dir and fixed keys, the backends chosen by `make test`, and a
real Chromium for browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# The test environment (private var dir, fixed keys, the backends `make test` chose) is set up by
# simplecommercesync.settings_test, because pytest-django imports settings before any conftest.

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
