"""Rate limits as configured (scaled), injected faults, and the request log."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from emulator_core.server import ServerThread
from hubspot_emulator import EmulatorConfig, create_app
from hubspot_emulator.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, MAIN_PORTAL


@pytest.fixture
def limited() -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    # Scale 0.1: 11 requests per 10 s, 1 search per second.
    config = EmulatorConfig(seed="demo", rate_limit_scale=0.1)
    with ServerThread(create_app(config)) as server, httpx.Client(base_url=server.url) as http:
        token = http.post(f"/_emulator/portals/{MAIN_PORTAL}/private-app-token").json()
        yield http, {"Authorization": f"Bearer {token['token']}"}


def test_ten_second_bucket_with_headers_and_429_body(limited):
    http, headers = limited
    remaining = []
    for _ in range(11):
        response = http.get("/crm/v3/objects/contacts", headers=headers)
        assert response.status_code == 200
        assert response.headers["X-HubSpot-RateLimit-Max"] == "11"
        assert response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        remaining.append(int(response.headers["X-HubSpot-RateLimit-Remaining"]))
    assert remaining == list(range(10, -1, -1))
    refused = http.get("/crm/v3/objects/contacts", headers=headers)
    body = refused.json()
    assert refused.status_code == 429
    assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["correlationId"]
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    # OAuth endpoints are not counted in the portal's bucket.
    token = http.post("/oauth/v1/token", data={"grant_type": "refresh_token",
                                               "client_id": DEMO_CLIENT_ID,
                                               "client_secret": DEMO_CLIENT_SECRET,
                                               "refresh_token": "x"})
    assert token.status_code == 400


def test_search_has_its_own_per_second_bucket(limited):
    http, headers = limited
    first = http.post("/crm/v3/objects/products/search", headers=headers, json={})
    assert first.status_code == 200
    assert "X-HubSpot-RateLimit-Remaining" not in first.headers
    second = http.post("/crm/v3/objects/products/search", headers=headers, json={})
    assert second.status_code == 429 and second.json()["errorType"] == "RATE_LIMIT"
    normal = http.get("/crm/v3/objects/products", headers=headers)
    assert normal.headers["X-HubSpot-RateLimit-Remaining"] == "10"  # search did not count
    time.sleep(1.05)
    assert http.post("/crm/v3/objects/products/search", headers=headers,
                     json={}).status_code == 200


def test_status_fault_applies_times_then_clears(http: httpx.Client, private_token: str):
    headers = {"Authorization": f"Bearer {private_token}"}
    added = http.post("/_emulator/faults", json={"path_regex": "^/crm/v3/objects/contacts$",
                                                 "method": "GET", "status": 502, "times": 2})
    assert added.status_code == 201
    statuses = [http.get("/crm/v3/objects/contacts", headers=headers).status_code
                for _ in range(3)]
    assert statuses == [502, 502, 200]
    assert http.post("/crm/v3/objects/contacts/search", headers=headers,
                     json={}).status_code == 200


def test_injected_429_has_hubspot_body(http: httpx.Client, private_token: str):
    http.post("/_emulator/faults", json={"path_regex": "/crm/v3/objects/invoices",
                                         "status": 429})
    response = http.get("/crm/v3/objects/invoices",
                        headers={"Authorization": f"Bearer {private_token}"})
    assert response.status_code == 429 and response.json()["errorType"] == "RATE_LIMIT"


def test_reset_connection_and_delay(http: httpx.Client, private_token: str):
    headers = {"Authorization": f"Bearer {private_token}"}
    http.post("/_emulator/faults", json={"path_regex": "/crm/v3/objects/products",
                                         "reset_connection": True})
    with pytest.raises(httpx.TransportError):
        http.get("/crm/v3/objects/products", headers=headers)
    http.post("/_emulator/faults", json={"path_regex": "/crm/v3/objects/products",
                                         "delay_s": 0.3})
    started = time.monotonic()
    assert http.get("/crm/v3/objects/products", headers=headers).status_code == 200
    assert time.monotonic() - started >= 0.3
    http.delete("/_emulator/faults")
    assert http.get("/_emulator/faults").json() == {"faults": []}


def test_request_log_counts_by_route_and_status(http: httpx.Client, private_token: str):
    http.delete("/_emulator/requests")
    headers = {"Authorization": f"Bearer {private_token}"}
    http.get("/crm/v3/objects/contacts", headers=headers)
    http.get("/crm/v3/objects/contacts", headers=headers)
    http.get("/crm/v3/objects/contacts")
    summary = http.get("/_emulator/requests").json()
    assert summary["total"] == 3
    assert summary["by_route"]["GET /crm/v3/objects/contacts"] == {"200": 2, "401": 1}
    assert summary["recent"][0]["tenant"] == str(MAIN_PORTAL)
