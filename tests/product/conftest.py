"""Fixtures for the product's own tests: workspaces, people and signed-in browsers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from emulator_core.server import ServerThread
from simplecommercesync.accounts.models import Role, User, Workspace
from simplecommercesync.config import OAuthApp

PASSWORD = "correct-horse-42"


@pytest.fixture
def workspace(db: None) -> Workspace:
    return Workspace.objects.create(name="Acme", company_name="Acme Supplies")


@pytest.fixture
def admin(workspace: Workspace) -> User:
    return User.objects.create_user(
        "admin@acme.example",
        PASSWORD,
        workspace=workspace,
        role=Role.ADMIN,
        display_name="Ada Admin",
    )


@pytest.fixture
def member(workspace: Workspace) -> User:
    return User.objects.create_user(
        "member@acme.example",
        PASSWORD,
        workspace=workspace,
        role=Role.MEMBER,
        display_name="Max Member",
    )


def sign_in_browser(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


# The emulators are started by tests only (the product reaches them over HTTP, like the real APIs).
@pytest.fixture(scope="session")
def hubspot_server() -> Iterator[ServerThread]:
    from hubspot_emulator import EmulatorConfig, create_app

    with ServerThread(create_app(EmulatorConfig(seed="demo"))) as server:
        yield server


@pytest.fixture(scope="session")
def quickbooks_server() -> Iterator[ServerThread]:
    from quickbooks_emulator.app import create_app
    from quickbooks_emulator.config import EmulatorConfig

    with ServerThread(create_app(EmulatorConfig(seed="demo"))) as server:
        yield server


@dataclass
class Providers:
    """The product wired to both emulators for one test, with their control APIs at hand."""

    base_url: str
    hubspot_url: str
    quickbooks_url: str

    def hubspot(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.hubspot_url}{path}", timeout=10, **kwargs)

    def quickbooks(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.quickbooks_url}{path}", timeout=10, **kwargs)

    def requests_to(self, provider: str, route: str) -> int:
        control = self.hubspot if provider == "hubspot" else self.quickbooks
        by_route = control("GET", "/_emulator/requests").json()["by_route"]
        return sum(by_route.get(route, {}).values())


HUBSPOT_TEST_APP = ("scs-test-hubspot", "scs-test-hubspot-secret")
QUICKBOOKS_TEST_APP = ("scs-test-quickbooks", "scs-test-quickbooks-secret")


def wire_providers(settings: Any, base_url: str, hubspot_url: str, quickbooks_url: str) -> Providers:
    providers = Providers(base_url, hubspot_url, quickbooks_url)
    for control, key, app in (
        (providers.hubspot, "hubspot", HUBSPOT_TEST_APP),
        (providers.quickbooks, "quickbooks", QUICKBOOKS_TEST_APP),
    ):
        control("POST", "/_emulator/reset", json={"seed": "demo"}).raise_for_status()
        control("DELETE", "/_emulator/faults").raise_for_status()
        control("DELETE", "/_emulator/requests").raise_for_status()
        control(
            "POST",
            "/_emulator/apps",
            json={
                "client_id": app[0],
                "client_secret": app[1],
                "name": "SimpleCommerceSync (test)",
                "redirect_uris": [f"{base_url}/settings/connections/{key}/callback/"],
            },
        ).raise_for_status()
    settings.SCS_BASE_URL = base_url
    settings.SCS_PROVIDER_TIMEOUT_SECONDS = 2
    settings.SCS_HUBSPOT = OAuthApp(*HUBSPOT_TEST_APP, auth_base_url=hubspot_url, api_base_url=hubspot_url)
    settings.SCS_QUICKBOOKS = OAuthApp(
        *QUICKBOOKS_TEST_APP,
        auth_base_url=f"{quickbooks_url}/.well-known/openid_sandbox_configuration",
        api_base_url=quickbooks_url,
        environment="sandbox",
    )
    return providers


@pytest.fixture
def providers(
    settings: Any, live_server: Any, hubspot_server: ServerThread, quickbooks_server: ServerThread
) -> Providers:
    return wire_providers(settings, live_server.url, hubspot_server.url, quickbooks_server.url)


@pytest.fixture(autouse=True)
def no_task_lock_left_by_an_earlier_test() -> None:
    """A worker that an earlier test of this process killed with -9 may still hold a periodic task's
    Redis lock (it frees itself only when it expires, up to a lease later): each test starts without,
    so its own polls run on time."""
    import os

    import redis
    from django.conf import settings

    url = os.environ.get("REDIS_URL")
    if not url:
        return
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"scs:task-lock:{settings.HUEY.get('name') or 'scs'}:*"):
        client.delete(key)


@pytest.fixture(scope="session", autouse=True)
def no_session_left_on_the_test_database(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Worker processes killed with -9 and live-server threads can leave PostgreSQL sessions on the
    test database, and PostgreSQL then refuses to drop it: end them before pytest-django drops it."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    # A test that ends database sessions may have ended this one too: start from a fresh session.
    connection.close()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
