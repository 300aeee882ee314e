"""Issue 15 point 4: CSRF on every state-changing URL, admin-only actions refused to members, one
workspace never reading or acting on another's objects (ids guessed on every URL with an id), and
no `next` parameter anywhere that sends a browser off-site.

The URLs come from the product's URL patterns at test time (`url_catalogue`), so a tab or page
added later is checked without editing this file.
"""

from __future__ import annotations

import inspect
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.core import serializers
from django.test import Client
from django.urls import resolve

from simplecommercesync.accounts.models import Role, User, Workspace
from simplecommercesync.sync.engine.models import RecordStatus

from .url_catalogue import (
    OBJECT_MAKERS,
    PRODUCT_APPS,
    Endpoint,
    concrete_urls,
    connect_looking,
    endpoints,
    object_key,
)

pytestmark = pytest.mark.django_db(transaction=False)

# What a member may POST: their own account (and signing in or out); everything else is an admin's.
MEMBER_MAY_POST = {
    "accounts:login", "accounts:logout", "accounts:profile", "accounts:notifications", "accounts:email",
    "accounts:password", "accounts:sign_out_everywhere",
}
VICTIM_MARK = "victim-f3a9"


def workspace_rows(workspace: Workspace) -> str:
    """Every row of the product's apps that belongs to one workspace, serialized."""
    from django.apps import apps

    parts = []
    for label in PRODUCT_APPS:
        try:
            models = apps.get_app_config(label).get_models()
        except LookupError:
            continue
        for model in sorted(models, key=lambda m: m.__name__):
            names = {f.name for f in model._meta.get_fields()}
            if "workspace" in names:
                rows = model.objects.filter(workspace=workspace).order_by("pk")
                # last_login moves when a test signs someone in; it is not the workspace's data.
                text = serializers.serialize("json", rows, fields=[
                    f.name for f in model._meta.concrete_fields if f.name != "last_login"])
                parts.append(text)
    return "\n".join(parts)


@pytest.fixture
def victim(db: None) -> dict[str, Any]:
    workspace = Workspace.objects.create(name=f"Workspace {VICTIM_MARK}", company_name=f"Co {VICTIM_MARK}")
    admin = User.objects.create_user(f"admin-{VICTIM_MARK}@a.example", "pw-123456789", workspace=workspace,
                                     role=Role.ADMIN, display_name=f"Admin {VICTIM_MARK}")
    member = User.objects.create_user(f"member-{VICTIM_MARK}@a.example", "pw-123456789", workspace=workspace,
                                      role=Role.MEMBER, display_name=f"Member {VICTIM_MARK}")
    connect_looking(workspace, VICTIM_MARK)
    objects = {name: make(workspace) for name, make in OBJECT_MAKERS.items()}
    for record in objects.values():
        if hasattr(record, "label"):
            record.label = f"Invoice {VICTIM_MARK}"
            record.save(update_fields=["label"])
    return {"workspace": workspace, "admin": admin, "member": member, "objects": objects}


@pytest.fixture
def intruder(db: None) -> User:
    workspace = Workspace.objects.create(name="Intruder Ltd", company_name="Intruder Ltd")
    return User.objects.create_user("boss@intruder.example", "pw-123456789", workspace=workspace,
                                    role=Role.ADMIN, display_name="Intruder")


def signed_in(user: User, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks, raise_request_exception=True)
    client.force_login(user)
    return client


def all_urls(objects: dict[str, Any]) -> list[tuple[Endpoint, str]]:
    return [(e, url) for e in endpoints() for url in concrete_urls(e, objects)]


def test_the_catalogue_finds_every_kind_of_url(victim: dict[str, Any]) -> None:
    found = all_urls(victim["objects"])
    names = {e.name for e, _ in found}
    # The pages this issue names; a rename would silently shrink what the other tests cover.
    assert {"accounts:login", "accounts:profile", "connections:callback", "sync_settings:invoices",
            "sync_settings:tax", "sync:hubspot-webhook", "data:export", "data:retry"} <= names
    assert len(found) >= 30


def test_every_state_changing_url_refuses_a_post_without_csrf_token(victim: dict[str, Any]) -> None:
    exempt = [e.name for e in endpoints() if e.csrf_exempt]
    # Only provider webhooks skip CSRF (they are signed instead); nothing a browser posts does.
    assert exempt and all(e.route.startswith("webhooks/") for e in endpoints() if e.csrf_exempt), exempt
    before = workspace_rows(victim["workspace"])
    checked = 0
    for endpoint, url in all_urls(victim["objects"]):
        if endpoint.csrf_exempt:
            continue
        for client in (signed_in(victim["admin"], csrf_checks=True), Client(enforce_csrf_checks=True)):
            response = client.post(url, {"display_name": "x", "next": "/"})
            assert response.status_code == 403, (url, response.status_code)
            assert b"CSRF" in response.content, url
            checked += 1
    assert workspace_rows(victim["workspace"]) == before
    assert checked >= 60


def test_a_post_with_the_token_gets_through(victim: dict[str, Any]) -> None:
    """The control for the test above: the 403s come from the missing token, not from anything else."""
    client = signed_in(victim["admin"], csrf_checks=True)
    client.get("/settings/account/")
    token = client.cookies["csrftoken"].value
    response = client.post("/settings/account/profile/", {"display_name": "Ada B", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    victim["admin"].refresh_from_db()
    assert victim["admin"].display_name == "Ada B"


def test_members_are_refused_every_admin_action(victim: dict[str, Any]) -> None:
    client = signed_in(victim["member"])
    before = workspace_rows(victim["workspace"])
    refused = 0
    for endpoint, url in all_urls(victim["objects"]):
        if endpoint.csrf_exempt or endpoint.name in MEMBER_MAY_POST:
            continue
        response = client.post(url, {"enabled": "on", "password": "pw-123456789", "role": "admin",
                                     "email": "x@y.example", "next": "/"})
        # 405: a read-only page. 2xx/3xx only from pages that ignore a POST (checked: nothing changed).
        assert response.status_code in (200, 302, 403, 404, 405), (url, response.status_code)
        if response.status_code == 403:
            assert b"admin" in response.content.lower(), url
            refused += 1
        assert workspace_rows(victim["workspace"]) == before, url
    assert refused >= 12


def test_every_form_a_member_can_see_refuses_the_members_post(victim: dict[str, Any]) -> None:
    """Settings tabs show their forms to everyone (read-only for members); posting any of them,
    found in the admin's page, is a 403 with the reason for a member."""
    admin, member = signed_in(victim["admin"]), signed_in(victim["member"])
    forms_found = 0
    for endpoint, url in all_urls(victim["objects"]):
        if endpoint.csrf_exempt or endpoint.name in MEMBER_MAY_POST or not endpoint.name.startswith(
                ("sync_settings:", "connections:", "data:")):
            continue
        page = admin.get(url)
        if page.status_code != 200 or page.streaming:
            continue
        for action in set(re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.content.decode())):
            if resolve(urlsplit(action).path).view_name in MEMBER_MAY_POST:
                continue
            refused = member.post(action, {"enabled": "on", "next": "/"})
            assert refused.status_code == 403, (url, action, refused.status_code)
            assert b"Only a workspace admin" in refused.content, action
            forms_found += 1
    assert forms_found >= 8


def test_another_workspace_can_never_reach_an_object_by_guessing_its_id(
    victim: dict[str, Any], intruder: User
) -> None:
    client = signed_in(intruder)
    before = workspace_rows(victim["workspace"])
    tried = 0
    for endpoint, url in all_urls(victim["objects"]):
        if not any(converter == "int" for converter, _ in endpoint.parameters):
            continue
        guesses = {url}
        for converter, name in endpoint.parameters:
            if converter != "int":
                continue
            obj = victim["objects"][object_key(endpoint, name)]
            for guess in (obj.pk - 1, obj.pk + 1, obj.pk + 10_000, 0):
                # The intruder's own objects are theirs to use; every other id must be refused.
                if not type(obj).objects.filter(pk=guess, workspace=intruder.workspace).exists():
                    guesses.add(url.replace(f"/{obj.pk}/", f"/{guess}/"))
        for guess_url in guesses:
            for method in ("get", "post"):
                response = getattr(client, method)(guess_url, {"active": "on", "password": "pw-987654321"},
                                                   follow=True)
                # A redirect is fine when what follows says nothing of the victim (checked below).
                first = response.redirect_chain[0][1] if response.redirect_chain else response.status_code
                assert first in (302, 403, 404, 405), (method, guess_url, first)
                assert VICTIM_MARK.encode() not in response.content, guess_url
                tried += 1
    assert workspace_rows(victim["workspace"]) == before
    assert tried >= 20


def test_another_workspace_never_sees_or_touches_connections_records_or_settings(
    victim: dict[str, Any], intruder: User
) -> None:
    client = signed_in(intruder)
    before = workspace_rows(victim["workspace"])
    for endpoint, url in all_urls(victim["objects"]):
        if endpoint.parameters and any(c == "int" for c, _ in endpoint.parameters):
            continue
        if endpoint.csrf_exempt or endpoint.name in ("accounts:logout", "accounts:sign_out_everywhere"):
            continue
        shown = client.get(url)
        body = b"".join(shown.streaming_content) if shown.streaming else shown.content
        assert VICTIM_MARK.encode() not in body, url
        client.post(url, {"next": "/"})
    assert workspace_rows(victim["workspace"]) == before
    # The victim's records are all still there, untouched, Failed as they were.
    assert victim["objects"]["record_id"].__class__.objects.get(
        pk=victim["objects"]["record_id"].pk).status == RecordStatus.FAILED


EVIL_TARGETS = [
    "https://evil.example/", "//evil.example/", "///evil.example/", "/\\evil.example/", "\\\\evil.example",
    "http:evil.example", "https:/evil.example", "javascript:alert(1)", "data:text/html,hi",
    " //evil.example", "\t//evil.example", "//evil.example%2F%2E%2E", "/\t/evil.example",
    "http://testserver@evil.example/", "https://evil.example\\@testserver/",
]


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver")
            and not location.lstrip().startswith(("//", "/\\", "\\")))


def test_no_next_parameter_redirects_off_site(intruder: User) -> None:
    # A workspace of its own with no connections: no page waits on an unreachable provider.
    admin = intruder
    objects = {name: make(admin.workspace) for name, make in OBJECT_MAKERS.items()}
    redirects = 0
    anonymous, signed = Client(), signed_in(admin)
    for endpoint, url in all_urls(objects):
        if endpoint.csrf_exempt or endpoint.name in ("accounts:logout", "accounts:sign_out_everywhere"):
            continue
        # Every hostile target where the view's module reads a `next`; two everywhere else, which
        # still catches a view that starts to redirect to whatever it is given.
        reads_next = '"next"' in inspect.getsource(inspect.getmodule(endpoint.view) or endpoint.view)
        for target in EVIL_TARGETS if reads_next else EVIL_TARGETS[:2]:
            for client, method in ((anonymous, "get"), (signed, "get"), (signed, "post")):
                if method == "get":
                    response = client.get(f"{url}?{urlencode({'next': target})}")
                else:
                    response = client.post(url, {"next": target})
                if response.status_code in (301, 302, 303, 307, 308):
                    redirects += 1
                    assert _stays_here(response["Location"]), (method, url, target, response["Location"])
    assert redirects > 60


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_signing_in_with_a_hostile_next_lands_on_the_dashboard(victim: dict[str, Any], target: str) -> None:
    response = Client().post("/sign-in/", {"username": victim["admin"].email, "password": "pw-123456789",
                                           "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_signing_in_with_a_local_next_goes_there(victim: dict[str, Any]) -> None:
    response = Client().post("/sign-in/", {"username": victim["admin"].email, "password": "pw-123456789",
                                           "next": "/data/invoices/?status=failed"})
    assert response["Location"] == "/data/invoices/?status=failed"
