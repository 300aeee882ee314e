"""Intuit OAuth 2.0 through the official `intuit-oauth` client plus raw HTTP for the error bodies."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from .conftest import DEMO_REDIRECT_URI, EU_REALM, MAIN_REALM, TEST_REALM, Emulator, hidden_fields, query_of

DISCOVERY_KEYS = {
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "revocation_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
}


@pytest.mark.parametrize(
    "path",
    [
        "openid_configuration",
        "openid_configuration/",
        "openid_sandbox_configuration",
        "openid_sandbox_configuration/",
    ],
)
def test_discovery_documents_point_at_the_host_used(emulator: Emulator, path: str) -> None:
    doc = emulator.http.get(f"{emulator.url}/.well-known/{path}").json()
    assert doc.keys() >= DISCOVERY_KEYS
    assert doc["authorization_endpoint"] == f"{emulator.url}/connect/oauth2"
    assert doc["token_endpoint"] == f"{emulator.url}/oauth2/v1/tokens/bearer"
    assert doc["revocation_endpoint"] == f"{emulator.url}/v2/oauth2/tokens/revoke"
    localhost = emulator.url.replace("127.0.0.1", "localhost")
    other = emulator.http.get(f"{localhost}/.well-known/{path}").json()
    assert other["token_endpoint"] == f"{localhost}/oauth2/v1/tokens/bearer"


def test_full_consent_flow_with_intuit_oauth(emulator: Emulator) -> None:
    auth = emulator.auth_client()
    url = auth.get_authorization_url([Scopes.ACCOUNTING], state_token="st-123")
    assert url.startswith(f"{emulator.url}/connect/oauth2?")
    callback = emulator.consent_code(url, realm=TEST_REALM)
    assert callback["state"] == "st-123"
    assert callback["realmId"] == TEST_REALM
    auth.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert auth.expires_in == 3600
    assert auth.x_refresh_token_expires_in == 8726400
    info = emulator.api("GET", f"companyinfo/{TEST_REALM}", auth.access_token, realm=TEST_REALM)
    assert info.status_code == 200
    assert info.json()["CompanyInfo"]["CompanyName"] == "Northwind Outfitters (Test Co.)"
    # The token is bound to the company that was chosen.
    other = emulator.api("GET", f"companyinfo/{MAIN_REALM}", auth.access_token, realm=MAIN_REALM)
    assert other.status_code == 403
    connections = emulator.control("GET", "/state")["connections"]
    assert [c["realm_id"] for c in connections if c["active"]] == [TEST_REALM]


def test_codes_are_single_use(emulator: Emulator) -> None:
    auth = emulator.auth_client()
    callback = emulator.consent_code(auth.get_authorization_url([Scopes.ACCOUNTING]))
    auth.get_bearer_token(callback["code"])
    with pytest.raises(AuthClientError) as caught:
        emulator.auth_client().get_bearer_token(callback["code"])
    assert caught.value.status_code == 400
    assert json.loads(caught.value.content) == {"error": "invalid_grant"}


def test_wrong_client_secret_is_invalid_client(emulator: Emulator) -> None:
    from intuitlib.client import AuthClient

    tokens = emulator.token()
    auth = AuthClient("scs-demo-quickbooks", "nope", DEMO_REDIRECT_URI, environment=emulator.discovery_url)
    with pytest.raises(AuthClientError) as caught:
        auth.refresh(tokens["refresh_token"])
    assert caught.value.status_code == 401
    assert json.loads(caught.value.content)["error"] == "invalid_client"


def test_cancel_and_bad_scope_redirect_with_errors(emulator: Emulator) -> None:
    auth = emulator.auth_client()
    url = auth.get_authorization_url([Scopes.ACCOUNTING], state_token="s1")
    with httpx.Client() as browser:
        page = browser.get(url)
        fields = hidden_fields(page.text)
        fields.update(email="bookkeeper@northwind.example", password="intuit-demo")
        consent = browser.post(f"{emulator.url}/connect/oauth2/signin", data=fields, follow_redirects=True)
        assert "Connect SimpleCommerceSync (demo) to Northwind Outfitters LLC" in consent.text
        decision = {**hidden_fields(consent.text), "decision": "cancel"}
        cancelled = browser.post(f"{emulator.url}/connect/oauth2/decision", data=decision)
    assert cancelled.status_code == 302
    assert query_of(cancelled.headers["location"]) == {"error": "access_denied", "state": "s1"}
    bad_scope = url.replace("com.intuit.quickbooks.accounting", "com.intuit.quickbooks.nonsense")
    response = httpx.get(bad_scope)
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error"] == "invalid_scope"


@pytest.mark.parametrize(
    ("swap", "message"),
    [
        (("client_id=scs-demo-quickbooks", "client_id=unknown-app"), "invalid_client"),
        (("callback%2F", "elsewhere%2F"), "redirect_uri_mismatch"),
    ],
)
def test_bad_client_or_redirect_uri_shows_an_error_page(
    emulator: Emulator, swap: tuple[str, str], message: str
) -> None:
    url = emulator.auth_client().get_authorization_url([Scopes.ACCOUNTING])
    response = httpx.get(url.replace(*swap))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text


def test_wrong_password_stays_on_sign_in(emulator: Emulator) -> None:
    url = emulator.auth_client().get_authorization_url([Scopes.ACCOUNTING])
    with httpx.Client() as browser:
        fields = hidden_fields(browser.get(url).text)
        fields.update(email="owner@northwind.example", password="wrong")
        page = browser.post(f"{emulator.url}/connect/oauth2/signin", data=fields)
    assert page.status_code == 401
    assert "incorrect" in page.text


def test_refresh_keeps_the_token_until_rotation_then_the_old_one_dies(emulator: Emulator) -> None:
    tokens = emulator.token()
    auth = emulator.auth_client()
    auth.refresh(tokens["refresh_token"])
    assert auth.refresh_token == tokens["refresh_token"]
    first_access = auth.access_token
    assert first_access != tokens["access_token"]
    emulator.control("POST", "/tokens/expire", {"refresh_age_seconds": 86400})
    auth.refresh(tokens["refresh_token"])
    rotated = auth.refresh_token
    assert rotated != tokens["refresh_token"]
    with pytest.raises(AuthClientError) as caught:
        emulator.auth_client().refresh(tokens["refresh_token"])
    assert json.loads(caught.value.content) == {"error": "invalid_grant"}
    # The new refresh token works and is itself young again.
    auth.refresh(rotated)
    assert auth.refresh_token == rotated


def test_expired_access_token_gets_the_lower_case_401(emulator: Emulator) -> None:
    tokens = emulator.token()
    assert emulator.api("GET", f"companyinfo/{MAIN_REALM}", tokens["access_token"]).status_code == 200
    assert emulator.control("POST", "/tokens/expire")["expired"] >= 1
    response = emulator.api("GET", f"companyinfo/{MAIN_REALM}", tokens["access_token"])
    assert response.status_code == 401
    fault = response.json()["fault"]
    assert fault["type"] == "AUTHENTICATION"
    assert fault["error"][0]["code"] == "3200"
    assert fault["error"][0]["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    auth = emulator.auth_client()
    auth.refresh(tokens["refresh_token"])
    assert emulator.api("GET", f"companyinfo/{MAIN_REALM}", auth.access_token).status_code == 200


def test_revoke_kills_the_whole_grant(emulator: Emulator) -> None:
    tokens = emulator.token()
    auth = emulator.auth_client(access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
    assert auth.revoke(token=tokens["refresh_token"]) is True
    assert emulator.api("GET", f"companyinfo/{MAIN_REALM}", tokens["access_token"]).status_code == 401
    with pytest.raises(AuthClientError) as caught:
        auth.refresh(tokens["refresh_token"])
    assert json.loads(caught.value.content) == {"error": "invalid_grant"}


def test_disconnect_control_revokes_only_that_company(emulator: Emulator) -> None:
    main = emulator.token(MAIN_REALM)
    test = emulator.token(TEST_REALM)
    result = emulator.control("POST", f"/companies/{MAIN_REALM}/disconnect")
    assert result["revoked_grants"] == 1
    assert emulator.api("GET", "preferences", main["access_token"]).status_code == 401
    assert emulator.api("GET", "preferences", test["access_token"], realm=TEST_REALM).status_code == 200


def test_connected_apps_page_disconnects(emulator: Emulator) -> None:
    tokens = emulator.token()
    with httpx.Client(base_url=emulator.url) as browser:
        page = browser.get(f"/app/{MAIN_REALM}/connected-apps")
        assert "Sign in to QuickBooks" in page.text
        browser.post(
            "/app/signin",
            data={
                "email": "owner@northwind.example",
                "password": "intuit-demo",
                "next": f"/app/{MAIN_REALM}/connected-apps",
            },
        )
        page = browser.get(f"/app/{MAIN_REALM}/connected-apps")
        assert "SimpleCommerceSync (demo)" in page.text
        done = browser.post(
            f"/app/{MAIN_REALM}/connected-apps/scs-demo-quickbooks/disconnect", follow_redirects=True
        )
        assert "was disconnected" in done.text
        assert "No apps are connected" in done.text
    assert emulator.api("GET", "preferences", tokens["access_token"]).status_code == 401


def test_registered_app_and_redirect_uri_work(emulator: Emulator) -> None:
    from intuitlib.client import AuthClient

    app = emulator.control(
        "POST", "/apps", {"name": "Product test", "redirect_uris": ["http://127.0.0.1:5555/cb/"]}
    )
    assert app["client_id"] and app["client_secret"]
    auth = AuthClient(
        app["client_id"],
        app["client_secret"],
        "http://127.0.0.1:5555/cb/",
        environment=emulator.discovery_url,
    )
    callback = emulator.consent_code(
        auth.get_authorization_url([Scopes.ACCOUNTING, Scopes.OPENID, Scopes.EMAIL])
    )
    assert callback["code"]
    auth.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    info = auth.get_user_info().json()
    assert info["email"] == "owner@northwind.example"
    state = emulator.control("GET", "/state")
    assert app["client_id"] in [a["client_id"] for a in state["apps"]]
    updated = emulator.control(
        "POST", "/apps", {"client_id": app["client_id"], "redirect_uris": ["http://x/cb"]}
    )
    assert updated["client_secret"] == app["client_secret"]
    assert updated["redirect_uris"] == ["http://x/cb"]


def test_state_lists_demo_world(emulator: Emulator) -> None:
    state = emulator.control("GET", "/state")
    assert state["apps"][0]["client_id"] == "scs-demo-quickbooks"
    assert DEMO_REDIRECT_URI in state["apps"][0]["redirect_uris"]
    assert {c["realm_id"] for c in state["companies"]} == {MAIN_REALM, TEST_REALM, EU_REALM}
    owner = next(u for u in state["users"] if u["email"] == "owner@northwind.example")
    assert owner == {
        "email": "owner@northwind.example",
        "password": "intuit-demo",
        "companies": [MAIN_REALM, TEST_REALM, EU_REALM],
    }


def test_revoke_accepts_a_form_body_too(emulator: Emulator) -> None:
    # Authlib's revoke_token posts form-encoded `token=...`; Intuit's SDK posts JSON.
    tokens = emulator.token()
    response = httpx.post(
        f"{emulator.url}/v2/oauth2/tokens/revoke",
        data={"token": tokens["access_token"], "token_type_hint": "access_token"},
        auth=("scs-demo-quickbooks", "scs-demo-quickbooks-secret"),
    )
    assert response.status_code == 200
    assert emulator.api("GET", "preferences", tokens["access_token"]).status_code == 401


def test_seed_and_reset_control_calls(emulator: Emulator) -> None:
    assert emulator.control("POST", "/seed", {"seed": "empty"}) == {"reset": True, "seed": "empty"}
    empty = emulator.control("GET", "/state")
    assert all(company["counts"]["Customer"] == 0 for company in empty["companies"])
    assert empty["apps"][0]["client_id"] == "scs-demo-quickbooks"
    assert emulator.control("POST", "/reset") == {"reset": True, "seed": "demo"}
    back = emulator.control("GET", "/state")
    main = next(c for c in back["companies"] if c["realm_id"] == MAIN_REALM)
    # Northwind US: 9 contacts with a customer + 3 QuickBooks-only customers; 14 of 15 SKUs.
    assert main["counts"]["Customer"] == 12 and main["counts"]["Item"] == 14
    bad = emulator.http.post(f"{emulator.url}/_emulator/seed", json={"seed": "nope"})
    assert bad.status_code == 400


def test_generate_bulk_records(emulator: Emulator) -> None:
    result = emulator.control(
        "POST", f"/companies/{MAIN_REALM}/generate", {"customers": 50, "items": 10, "invoices": 200}
    )
    assert result["created"] == {"customers": 50, "items": 10, "invoices": 200}
    token = emulator.token()["access_token"]
    count = emulator.query("SELECT COUNT(*) FROM Invoice", token).json()["QueryResponse"]["totalCount"]
    assert count == 201


def test_sign_out_from_the_chooser_keeps_the_request(emulator: Emulator) -> None:
    url = emulator.auth_client().get_authorization_url([Scopes.ACCOUNTING], state_token="keep-me")
    with httpx.Client(follow_redirects=True) as browser:
        fields = hidden_fields(browser.get(url).text)
        fields.update(email="owner@northwind.example", password="intuit-demo")
        chooser = browser.post(f"{emulator.url}/connect/oauth2/signin", data=fields)
        assert "Choose a company" in chooser.text
        link = re.search(r'href="(/signout[^"]+)"', chooser.text)
        assert link is not None
        signed_out = browser.get(emulator.url + unescape(link.group(1)))
    assert "Sign in" in signed_out.text
    assert hidden_fields(signed_out.text)["state"] == "keep-me"


def test_token_endpoint_accepts_client_secret_post_as_discovery_announces(emulator: Emulator) -> None:
    tokens = emulator.token()
    discovery = emulator.http.get(f"{emulator.url}/.well-known/openid_sandbox_configuration").json()
    assert "client_secret_post" in discovery["token_endpoint_auth_methods_supported"]
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    posted = emulator.http.post(
        discovery["token_endpoint"],
        data={**form, "client_id": "scs-demo-quickbooks", "client_secret": "scs-demo-quickbooks-secret"},
        headers={"Accept": "application/json"},
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["access_token"]
    wrong = emulator.http.post(
        discovery["token_endpoint"], data={**form, "client_id": "scs-demo-quickbooks", "client_secret": "nope"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    both = emulator.http.post(
        discovery["token_endpoint"],
        data={**form, "client_id": "scs-demo-quickbooks", "client_secret": "scs-demo-quickbooks-secret"},
        auth=("scs-demo-quickbooks", "scs-demo-quickbooks-secret"),
    )
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"
