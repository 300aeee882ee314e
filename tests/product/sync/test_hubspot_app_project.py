"""The HubSpot app project in deploy/hubspot-app stays in step with the code that uses it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from simplecommercesync.accounts.models import User
from simplecommercesync.config import OAuthApp
from simplecommercesync.sync.hubspot_app_project import project_files, webhook_subscriptions, write_project
from simplecommercesync.sync.inbound.hubspot_events import sort_events
from tests.product.repo_paths import REPO_ROOT

COMMITTED = REPO_ROOT / "deploy" / "hubspot-app"
COMMITTED_BASE_URL = "https://sync.example.com"
OBJECT_TYPE_IDS = {"invoice": "0-53", "line_item": "0-8", "contact": "0-1", "quote": "0-14", "commerce_payment": "0-101",
                   "product": "0-7"}


def test_committed_project_is_what_the_code_generates() -> None:
    for relative, document in project_files(COMMITTED_BASE_URL).items():
        committed = json.loads((COMMITTED / relative).read_text(encoding="utf-8"))
        assert committed == document, f"deploy/hubspot-app/{relative} is stale: run `scs hubspot-app`"


def test_written_project_carries_the_base_url(tmp_path: Path) -> None:
    write_project(tmp_path, "https://books.acme.example/")
    app = json.loads((tmp_path / "src/app/app-hsmeta.json").read_text())
    hooks = json.loads((tmp_path / "src/app/webhooks/webhooks-hsmeta.json").read_text())
    assert app["config"]["auth"]["redirectUrls"] == [
        "https://books.acme.example/settings/connections/hubspot/callback/"
    ]
    assert hooks["config"]["settings"]["targetUrl"] == "https://books.acme.example/webhooks/hubspot/"


def test_every_subscription_is_an_event_the_engine_acts_on() -> None:
    for subscription in webhook_subscriptions():
        event = {
            "portalId": 2468101,
            "objectId": 7,
            "appId": 1,
            "subscriptionType": subscription.subscription_type,
            "objectTypeId": OBJECT_TYPE_IDS[subscription.object_type],
            "propertyName": subscription.property_name,
        }
        changes = sort_events([event])["2468101"]
        assert any(changes.changed.values()), subscription


@pytest.mark.django_db
def test_connect_asks_only_for_scopes_the_app_declares(settings, admin: User) -> None:
    settings.SCS_BASE_URL = COMMITTED_BASE_URL
    settings.SCS_HUBSPOT = OAuthApp("app-client-id", "app-client-secret", "https://app.hubspot.com", "https://api.hubapi.com")
    declared = set(project_files(COMMITTED_BASE_URL)["src/app/app-hsmeta.json"]["config"]["auth"]["requiredScopes"])
    client = Client()
    client.force_login(admin)
    response = client.post("/settings/connections/hubspot/connect/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    asked = set(query["scope"][0].split()) | set(" ".join(query.get("optional_scope", [""])).split())
    assert asked and asked <= declared
    assert query["redirect_uri"] == [f"{COMMITTED_BASE_URL}/settings/connections/hubspot/callback/"]


def test_scs_hubspot_app_writes_the_project_for_the_configured_base_url(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "app"
    env = {**os.environ, "SCS_BASE_URL": "https://books.acme.example"}
    done = subprocess.run([sys.executable, "-m", "simplecommercesync", "hubspot-app", "--out", str(out),
                           "--distribution", "private"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    app = json.loads((out / "src/app/app-hsmeta.json").read_text())
    assert app["config"]["distribution"] == "private"
    assert app["config"]["auth"]["redirectUrls"] == ["https://books.acme.example/settings/connections/hubspot/callback/"]
    assert "hs project upload" in done.stdout
