"""OAuth as HubSpot does it: consent pages, token endpoint, token info, revocation, uninstall."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import hubspot
import pytest
from hubspot.crm.contacts.exceptions import ApiException

from hubspot_emulator.seed import (
    DEMO_APP_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    EU_PORTAL,
    MAIN_PORTAL,
    OWNER_EMAIL,
    REP_EMAIL,
)

from .conftest import REDIRECT_URI, ConsentFlow, form_value


def test_authorize_without_session_shows_sign_in_form(http: httpx.Client, flow: ConsentFlow):
    page = http.get(flow.authorize_url())
    assert page.status_code == 200
    assert '<form method="post" action="/oauth/sign-in">' in page.text
    assert form_value(page.text, "next").startswith("/oauth/authorize?client_id=scs-demo-hubspot")
    assert "owner@northwind.example" in page.text  # demo sign-ins are listed


def test_wrong_password_is_refused(flow: ConsentFlow):
    response = flow.sign_in(password="nope")
    assert response.status_code == 401
    assert "incorrect" in response.text
    assert "hubspot_emulator_session" not in flow.http.cookies


def test_owner_with_two_portals_gets_the_account_picker(http: httpx.Client, flow: ConsentFlow):
    assert flow.sign_in().status_code == 303
    page = http.get(flow.authorize_url())
    assert "Choose an account" in page.text
    assert f'data-portal-id="{MAIN_PORTAL}"' in page.text
    assert f'data-portal-id="{EU_PORTAL}"' in page.text


def test_consent_page_lists_scopes_in_words(http: httpx.Client, flow: ConsentFlow):
    flow.sign_in()
    page = http.get(flow.authorize_url(portal=EU_PORTAL, optional_scope="crm.objects.deals.read"))
    assert "Northwind Outfitters (EU)" in page.text
    assert "View invoices" in page.text and "<code>tax_rates.read</code>" in page.text
    assert 'id="optional-scopes"' in page.text and "View deals" in page.text


def test_full_flow_issues_tokens_that_work(flow: ConsentFlow, http: httpx.Client):
    query = flow.consent()
    assert query["state"] == ["st-1"]
    code = query["code"][0]
    token = http.post("/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": REDIRECT_URI, "code": code})
    body = token.json()
    assert token.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 1800
    assert body["refresh_token"] and body["access_token"]
    contacts = http.get("/crm/v3/objects/contacts",
                        headers={"Authorization": f"Bearer {body['access_token']}"})
    assert contacts.status_code == 200 and len(contacts.json()["results"]) == 10
    # A code works once only.
    again = http.post("/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": REDIRECT_URI, "code": code})
    assert again.status_code == 400
    assert again.json()["status"] == "BAD_AUTH_CODE"
    assert again.headers["x-hubspot-correlation-id"] == again.json()["correlationId"]


def test_state_shows_the_install(flow: ConsentFlow, http: httpx.Client):
    flow.tokens()
    installs = http.get("/_emulator/state").json()["installs"]
    assert [(i["portal_id"], i["client_id"], i["installed_by"]) for i in installs] == [
        (MAIN_PORTAL, DEMO_CLIENT_ID, OWNER_EMAIL)]


def test_v3_token_endpoint_adds_hub_and_scopes(flow: ConsentFlow, http: httpx.Client):
    query = flow.consent(scope="oauth crm.objects.contacts.read")
    response = http.post("/oauth/v3/token", data={
        "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": REDIRECT_URI,
        "code": query["code"][0]})
    body = response.json()
    assert body["hub_id"] == MAIN_PORTAL
    assert body["scopes"] == ["oauth", "crm.objects.contacts.read"]
    assert isinstance(body["user_id"], int)


def test_refresh_keeps_refresh_token_and_mints_new_access_token(flow: ConsentFlow,
                                                                http: httpx.Client):
    first = flow.tokens()
    response = http.post("/oauth/v1/token", data={
        "grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "refresh_token": first["refresh_token"]})
    second = response.json()
    assert response.status_code == 200
    assert second["refresh_token"] == first["refresh_token"]
    assert second["access_token"] != first["access_token"]


def test_token_endpoint_errors(http: httpx.Client):
    bad_secret = http.post("/oauth/v1/token", data={
        "grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID, "client_secret": "x",
        "refresh_token": "r"})
    assert bad_secret.status_code == 400 and bad_secret.json()["status"] == "BAD_CLIENT_SECRET"
    unknown_refresh = http.post("/oauth/v1/token", data={
        "grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "refresh_token": "not-a-token"})
    assert unknown_refresh.status_code == 400
    assert unknown_refresh.json()["status"] == "BAD_REFRESH_TOKEN"
    assert unknown_refresh.json()["message"] == "missing or invalid refresh token"
    grant = http.post("/oauth/v1/token", data={"grant_type": "password"})
    assert grant.json()["status"] == "BAD_GRANT_TYPE"


def test_code_bound_to_its_redirect_uri(flow: ConsentFlow, http: httpx.Client):
    http.post("/_emulator/apps", json={"client_id": DEMO_CLIENT_ID, "redirect_uris": [
        REDIRECT_URI, "http://127.0.0.1:9999/cb"]})
    code = flow.consent()["code"][0]
    response = http.post("/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": "http://127.0.0.1:9999/cb",
        "code": code})
    assert response.json()["status"] == "BAD_REDIRECT_URI"


def test_bad_client_or_redirect_shows_error_page_without_redirect(http: httpx.Client,
                                                                  flow: ConsentFlow):
    unknown = http.get(flow.authorize_url(client_id="nobody"))
    assert unknown.status_code == 400 and "does not belong to any app" in unknown.text
    mismatch = http.get(flow.authorize_url(redirect_uri="http://evil.example/cb"))
    assert mismatch.status_code == 400 and "location" not in mismatch.headers
    assert "redirect URL" in mismatch.text


def test_unknown_scope_redirects_with_invalid_scope(http: httpx.Client, flow: ConsentFlow):
    response = http.get(flow.authorize_url(scope="oauth crm.objects.unicorns.read"))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_scope"]
    assert "crm.objects.unicorns.read" in query["error_description"][0]
    assert query["state"] == ["st-1"]


def test_cancel_redirects_with_access_denied(flow: ConsentFlow):
    query = flow.consent(decision="cancel")
    assert query["error"] == ["access_denied"] and "code" not in query


def test_user_without_install_rights_is_refused(flow: ConsentFlow):
    flow.sign_in(email=REP_EMAIL)
    query = flow.consent()
    assert query["error"] == ["access_denied"]
    assert "permission to install apps" in query["error_description"][0]


def test_user_cannot_pick_a_portal_they_do_not_belong_to(flow: ConsentFlow):
    flow.sign_in(email=REP_EMAIL)
    query = flow.consent(portal=EU_PORTAL)
    assert query["error"] == ["access_denied"]


def test_access_token_info(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    info = http.get(f"/oauth/v1/access-tokens/{tokens['access_token']}").json()
    assert info["hub_id"] == MAIN_PORTAL and info["app_id"] == DEMO_APP_ID
    assert info["user"] == OWNER_EMAIL
    assert info["hub_domain"] == "northwind-outfitters.hubspot.example"
    assert "crm.objects.invoices.read" in info["scopes"] and 1790 <= info["expires_in"] <= 1800
    missing = http.get("/oauth/v1/access-tokens/nope")
    assert missing.status_code == 404 and missing.json()["status"] == "error"


def test_sdk_reads_token_info(flow: ConsentFlow, base_url: str):
    tokens = flow.tokens()
    client = hubspot.Client.create(host=base_url)
    access = client.oauth.access_tokens_api.get(token=tokens["access_token"])
    assert access.hub_id == MAIN_PORTAL and access.user == OWNER_EMAIL
    refresh = client.oauth.refresh_tokens_api.get(token=tokens["refresh_token"])
    assert refresh.client_id == DEMO_CLIENT_ID
    refreshed = client.oauth.tokens_api.create(
        grant_type="refresh_token", client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET,
        refresh_token=tokens["refresh_token"])
    assert refreshed.refresh_token == tokens["refresh_token"]


def test_deleting_refresh_token_revokes_it_and_its_access_tokens(flow: ConsentFlow,
                                                                  http: httpx.Client):
    tokens = flow.tokens()
    assert http.delete(f"/oauth/v1/refresh-tokens/{tokens['refresh_token']}").status_code == 204
    refresh = http.post("/oauth/v1/token", data={
        "grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "refresh_token": tokens["refresh_token"]})
    assert refresh.json()["status"] == "BAD_REFRESH_TOKEN"
    call = http.get("/crm/v3/objects/contacts",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert call.status_code == 401 and call.json()["category"] == "INVALID_AUTHENTICATION"
    assert http.get(f"/oauth/v1/refresh-tokens/{tokens['refresh_token']}").status_code == 404


def test_introspect_and_revoke_v3(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    creds = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    active = http.post("/oauth/v3/token/introspect",
                       data={**creds, "token": tokens["access_token"]}).json()
    assert active["active"] is True and active["hub_id"] == MAIN_PORTAL
    assert active["user"] == OWNER_EMAIL
    assert http.post("/oauth/v3/token/revoke",
                     data={**creds, "token": tokens["refresh_token"]}).status_code == 200
    gone = http.post("/oauth/v3/token/introspect",
                     data={**creds, "token": tokens["access_token"],
                           "token_type_hint": "access_token"}).json()
    assert gone == {"active": False}


def test_uninstall_revokes_everything_of_the_app(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    response = http.post(f"/_emulator/portals/{MAIN_PORTAL}/uninstall",
                         json={"client_id": DEMO_CLIENT_ID})
    assert response.json()["uninstalled"] == [DEMO_CLIENT_ID]
    call = http.get("/crm/v3/objects/invoices",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert call.status_code == 401 and call.json()["category"] == "INVALID_AUTHENTICATION"
    refresh = http.post("/oauth/v1/token", data={
        "grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400 and refresh.json()["status"] == "BAD_REFRESH_TOKEN"
    assert http.get("/_emulator/state").json()["installs"] == []


def test_connected_apps_page_uninstall_button(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    page = http.get(f"/integrations-settings/{MAIN_PORTAL}/installed")
    assert "SimpleCommerceSync (demo)" in page.text and "Uninstall" in page.text
    response = http.post(f"/integrations-settings/{MAIN_PORTAL}/installed/uninstall", data={
        "client_id": DEMO_CLIENT_ID, "form_token": form_value(page.text, "form_token")})
    assert response.status_code == 303
    after = http.get(response.headers["location"])
    assert 'id="no-apps"' in after.text and "was uninstalled" in after.text
    info = http.post("/oauth/v3/token/introspect", data={
        "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
        "token": tokens["refresh_token"]})
    assert info.json() == {"active": False}


def test_connected_apps_page_needs_sign_in(http: httpx.Client):
    response = http.get(f"/integrations-settings/{MAIN_PORTAL}/installed")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_expired_access_token_gets_expired_authentication(flow: ConsentFlow, http: httpx.Client,
                                                          base_url: str):
    tokens = flow.tokens()
    assert http.post("/_emulator/tokens/expire").json()["expired"] >= 1
    call = http.get("/crm/v3/objects/contacts",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})
    body = call.json()
    assert call.status_code == 401
    assert body["category"] == "EXPIRED_AUTHENTICATION" and body["status"] == "error"
    assert body["message"].startswith("The OAuth token used to make this call expired ")
    assert body["message"].endswith(" second(s) ago.")
    client = hubspot.Client.create(access_token=tokens["access_token"], host=base_url)
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_page()
    assert raised.value.status == 401


def test_missing_scope_is_403(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens(scope="oauth crm.objects.contacts.read")
    call = http.get("/crm/v3/objects/invoices",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})
    body = call.json()
    assert call.status_code == 403 and body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.invoices.read"]


def test_no_token_is_401(http: httpx.Client):
    call = http.get("/crm/v3/objects/contacts")
    assert call.status_code == 401 and call.json()["category"] == "INVALID_AUTHENTICATION"


def test_register_app_for_another_callback(http: httpx.Client, flow: ConsentFlow):
    created = http.post("/_emulator/apps", json={"name": "Test product",
                                                 "redirect_uris": ["http://127.0.0.1:5555/cb/"]})
    assert created.status_code == 201
    app = created.json()
    query = flow.consent(client_id=app["client_id"], redirect_uri="http://127.0.0.1:5555/cb/")
    token = http.post("/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "redirect_uri": "http://127.0.0.1:5555/cb/",
        "code": query["code"][0]})
    assert token.status_code == 200


def test_auth_code_expires_after_ten_minutes(flow: ConsentFlow, http: httpx.Client, world):
    from datetime import timedelta

    code = flow.consent()["code"][0]
    stored = world.oauth.codes[code]
    assert timedelta(minutes=9) < stored.expires_at - stored.expires_at.now(
        stored.expires_at.tzinfo) <= timedelta(minutes=10)
    stored.expires_at -= timedelta(minutes=10)
    response = http.post("/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": REDIRECT_URI, "code": code})
    assert response.status_code == 400 and response.json()["status"] == "BAD_AUTH_CODE"


def test_sign_in_cookie_lasts_one_day(flow: ConsentFlow):
    response = flow.sign_in()
    cookie = response.headers["set-cookie"]
    assert "Max-Age=86400" in cookie and "HttpOnly" in cookie


LATEST = "/oauth/2026-03"
SPEC_REPO = "/work/.mirror/HubSpot+HubSpot-public-api-spec-collection/repo"
SPEC_PATH = "PublicApiSpecs/Auth/Oauth/Rollouts/279897/2026-03/oauth.json"


def _latest_spec_schemas() -> dict[str, Any]:
    import json
    import subprocess
    from pathlib import Path

    if not Path(SPEC_REPO).exists():
        pytest.skip("HubSpot's public API spec repository is not on this machine")
    shown = subprocess.run(["git", "-C", SPEC_REPO, "show", f"HEAD:{SPEC_PATH}"],
                           capture_output=True, text=True, check=True)
    return dict(json.loads(shown.stdout)["components"]["schemas"])


def _code(flow: ConsentFlow) -> str:
    return flow.consent(scope="oauth crm.objects.contacts.read")["code"][0]


def test_latest_token_endpoint_issues_and_refreshes_like_the_spec(flow: ConsentFlow, http: httpx.Client):
    creds = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    issued = http.post(f"{LATEST}/token", data={**creds, "grant_type": "authorization_code",
                                                "redirect_uri": REDIRECT_URI, "code": _code(flow)})
    assert issued.status_code == 200 and "deprecation" not in issued.headers
    body = issued.json()
    assert body["hub_id"] == MAIN_PORTAL and body["token_use"] == "access_token"
    assert body["scopes"] == ["oauth", "crm.objects.contacts.read"]
    refreshed = http.post(f"{LATEST}/token", data={**creds, "grant_type": "refresh_token",
                                                   "refresh_token": body["refresh_token"]}).json()
    assert refreshed["access_token"] != body["access_token"]
    assert refreshed["refresh_token"] == body["refresh_token"]
    required = _latest_spec_schemas()["AccessTokenResponse"]["required"]
    assert set(required) <= set(refreshed)


def test_latest_token_errors_carry_rfc6749_and_hubspot_fields(http: httpx.Client):
    creds = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    stale = http.post(f"{LATEST}/token", data={**creds, "grant_type": "refresh_token",
                                               "refresh_token": "not-a-token"})
    assert stale.status_code == 400
    body = stale.json()
    assert body["error"] == "invalid_grant" and body["status"] == "BAD_REFRESH_TOKEN"
    assert body["error_description"] == body["message"] == "missing or invalid refresh token"
    assert stale.headers["cache-control"] == "no-store"
    bad_secret = http.post(f"{LATEST}/token", data={"client_id": DEMO_CLIENT_ID, "client_secret": "x",
                                                    "grant_type": "refresh_token", "refresh_token": "r"})
    assert bad_secret.json()["error"] == "invalid_client"
    assert bad_secret.json()["status"] == "BAD_CLIENT_SECRET"
    grant = http.post(f"{LATEST}/token", data={**creds, "grant_type": "password"})
    assert grant.json()["error"] == "unsupported_grant_type"
    in_url = http.post(f"{LATEST}/token", params={"client_secret": DEMO_CLIENT_SECRET},
                       data={"grant_type": "refresh_token"})
    assert in_url.status_code == 400 and in_url.json()["error"] == "invalid_request"
    # v1 answers gain the same standard fields (HubSpot changelog on standardized OAuth errors).
    v1 = http.post("/oauth/v1/token", data={**creds, "grant_type": "refresh_token", "refresh_token": "x"})
    assert v1.json()["error"] == "invalid_grant" and v1.json()["status"] == "BAD_REFRESH_TOKEN"


def test_latest_introspect_never_answers_404(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    creds = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    access = http.post(f"{LATEST}/token/introspect", data={**creds, "token": tokens["access_token"]})
    assert access.status_code == 200
    info = access.json()
    assert info["active"] is True and info["token_use"] == "access_token"
    assert info["hub_id"] == MAIN_PORTAL and info["client_id"] == DEMO_CLIENT_ID
    assert info["app_id"] == DEMO_APP_ID and info["user"] == OWNER_EMAIL
    refresh = http.post(f"{LATEST}/token/introspect",
                        data={**creds, "token": tokens["refresh_token"]}).json()
    assert refresh["active"] is True and refresh["token_use"] == "refresh_token"
    unknown = http.post(f"{LATEST}/token/introspect", data={**creds, "token": "nope"})
    assert unknown.status_code == 200 and unknown.json() == {"active": False}
    wrong_client = http.post(f"{LATEST}/token/introspect",
                             data={"client_id": DEMO_CLIENT_ID, "client_secret": "x", "token": "t"})
    assert wrong_client.status_code == 401 and wrong_client.json()["error"] == "invalid_client"
    no_token = http.post(f"{LATEST}/token/introspect", data=creds)
    assert no_token.status_code == 400 and no_token.json()["error"] == "invalid_request"


def test_latest_revoke_ends_the_grant(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    creds = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    assert http.post(f"{LATEST}/token/revoke",
                     data={**creds, "token": tokens["refresh_token"]}).status_code == 200
    assert http.post(f"{LATEST}/token/introspect",
                     data={**creds, "token": tokens["access_token"]}).json() == {"active": False}
    again = http.post(f"{LATEST}/token", data={**creds, "grant_type": "refresh_token",
                                               "refresh_token": tokens["refresh_token"]})
    assert again.json()["error"] == "invalid_grant"
    # RFC 7009: revoking what is already gone still answers 200.
    assert http.post(f"{LATEST}/token/revoke",
                     data={**creds, "token": tokens["refresh_token"]}).status_code == 200


def test_v1_endpoints_are_flagged_deprecated_in_the_request_log(flow: ConsentFlow, http: httpx.Client):
    tokens = flow.tokens()
    http.delete("/_emulator/requests")
    info = http.get(f"/oauth/v1/access-tokens/{tokens['access_token']}")
    assert info.headers["deprecation"] == "true"
    assert info.headers["sunset"] == "Tue, 16 Feb 2027 00:00:00 GMT"
    http.post(f"{LATEST}/token/introspect", data={"client_id": DEMO_CLIENT_ID,
                                                  "client_secret": DEMO_CLIENT_SECRET,
                                                  "token": tokens["access_token"]})
    log = http.get("/_emulator/requests").json()
    assert log["deprecated"] == {f"GET /oauth/v1/access-tokens/{tokens['access_token']}": 1}
    flagged = [entry for entry in log["recent"] if entry.get("deprecated")]
    assert [entry["path"].split("/")[2] for entry in flagged] == ["v1"]
