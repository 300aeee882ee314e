"""Issue 15 point 4: tokens and client secrets never show in logs, pages, stored messages or error
reports during a real connect + sync flow against both emulators, there is no Django admin to leak
them, and rotating the encryption key keeps every stored token readable."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core import serializers
from django.test import Client

from simplecommercesync.connections.keys import rotate_all_tokens
from simplecommercesync.connections.models import Connection
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.sync.engine.models import RecordStatus, SyncAttempt, SyncRecord

from .conftest import HUBSPOT_TEST_APP, QUICKBOOKS_TEST_APP
from .test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)
from .url_catalogue import concrete_urls, endpoints

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _secrets(world: World) -> dict[str, str]:
    vault = TokenVault()
    found = {"hubspot client secret": HUBSPOT_TEST_APP[1], "quickbooks client secret": QUICKBOOKS_TEST_APP[1]}
    for connection in Connection.objects.filter(workspace=world.admin.workspace):
        found[f"{connection.provider} access token"] = vault.open(connection.access_token_encrypted)
        found[f"{connection.provider} refresh token"] = vault.open(connection.refresh_token_encrypted)
    assert all(len(value) >= 8 for value in found.values()), found
    return found


def _body(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


def test_no_token_or_secret_in_logs_pages_or_stored_messages(world: World, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("", "simplecommercesync", "huey", "httpx", "django"):
        caplog.set_level(logging.INFO, logger=name or None)
    secrets = _secrets(world)
    # A sync that succeeds and one that fails, so both paths write logs, attempts and messages.
    world.item("SEC-1")
    good = world.invoice(world.contact(f"secret-{world.tag}@example.com"), [("SEC-1", "2", "12.50")])
    bad = world.invoice(world.contact(f"secret2-{world.tag}@example.com"), [("NO-SUCH-SKU", "1", "5.00")])
    world.queue(good, bad)
    world.drain()
    assert world.record(good).status == RecordStatus.SUCCESS
    assert world.record(bad).status == RecordStatus.FAILED

    client = Client(raise_request_exception=True)
    client.force_login(world.admin)
    shown: list[str] = []
    for provider in ("hubspot", "quickbooks"):
        client.post(f"/settings/connections/{provider}/test/")
    objects = {"record_id": world.record(bad)}
    for endpoint in endpoints():
        if endpoint.csrf_exempt or any(c == "int" and n != "record_id" for c, n in endpoint.parameters):
            continue
        for url in concrete_urls(endpoint, objects):
            if "sign-out" not in url:
                shown.append(_body(client.get(url)))
    assert len(shown) >= 20
    stored = serializers.serialize("json", [*SyncRecord.objects.all(), *SyncAttempt.objects.all()])
    connections = serializers.serialize("json", Connection.objects.all(), fields=[
        f.name for f in Connection._meta.concrete_fields if not f.name.endswith("_encrypted")])
    places = {"logs": caplog.text, "pages": "\n".join(shown), "stored messages": stored,
              "connection fields": connections}
    leaks = [(what, where) for what, value in secrets.items() for where, text in places.items() if value in text]
    assert leaks == []
    assert "HTTP Request" in caplog.text or "synced" in caplog.text.lower() or len(caplog.records) > 0


def test_there_is_no_django_admin_to_show_tokens() -> None:
    assert "django.contrib.admin" not in django_settings.INSTALLED_APPS
    assert Client().get("/admin/").status_code == 404


def test_rotating_the_encryption_key_keeps_old_tokens_readable(world: World, settings: Any) -> None:
    client = Client(raise_request_exception=True)
    client.force_login(world.admin)
    old_keys = tuple(settings.SCS_ENCRYPTION_KEYS)
    before = _secrets(world)
    new_key = Fernet.generate_key().decode()

    # 1. A new key first, the old ones after: tokens sealed with the old key still open and work.
    settings.SCS_ENCRYPTION_KEYS = (new_key, *old_keys)
    assert _secrets(world) == before
    for provider in ("hubspot", "quickbooks"):
        answer = client.post(f"/settings/connections/{provider}/test/", follow=True)
        assert b"notice-success" in answer.content, (provider, answer.content[-2000:])

    # 2. `scs rotate-keys` re-seals them with the new key; then the old keys can go.
    report = rotate_all_tokens()
    assert report.unreadable == [] and report.resealed >= 2
    settings.SCS_ENCRYPTION_KEYS = (new_key,)
    assert _secrets(world) == before
    for provider in ("hubspot", "quickbooks"):
        answer = client.post(f"/settings/connections/{provider}/test/", follow=True)
        assert b"notice-success" in answer.content, provider

    # 3. The control: a key that never sealed them opens nothing, and the page says what to do.
    settings.SCS_ENCRYPTION_KEYS = (Fernet.generate_key().decode(),)
    page = client.get("/settings/connections/")
    assert b"encryption key" in page.content
