"""Throttles (429 ThrottleExceeded), injected faults and the request log, over raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from quickbooks.exceptions import AuthorizationException
from quickbooks.objects.customer import Customer

from emulator_core.server import ServerThread
from quickbooks_emulator.app import create_app
from quickbooks_emulator.config import EmulatorConfig

from .conftest import MAIN_REALM, Emulator


@pytest.fixture(scope="module")
def slow_server() -> Iterator[ServerThread]:
    # scale 0.02: 10 requests/min, 1 in flight, 1 batch/min; each call takes 300 ms.
    config = EmulatorConfig(rate_limit_scale=0.02, latency_ms=300)
    with ServerThread(create_app(config)) as server:
        yield server


@pytest.fixture
def limited(slow_server: ServerThread) -> Iterator[Emulator]:
    with httpx.Client(timeout=10) as http:
        emulator = Emulator(slow_server.url, http)
        emulator.control("POST", "/reset")
        yield emulator


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429
    error = response.json()["Fault"]["Error"][0]
    assert error["code"] == "3001"
    assert "ThrottleExceeded" in error["Message"]
    assert int(response.headers["Retry-After"]) >= 1


def test_requests_per_minute_per_company(limited: Emulator) -> None:
    token = limited.token()["access_token"]
    statuses = [limited.api("GET", "preferences", token).status_code for _ in range(10)]
    assert statuses == [200] * 10
    assert_throttled(limited.api("GET", "preferences", token))
    other = limited.token("9341453050011002")["access_token"]
    assert limited.api("GET", "preferences", other, realm="9341453050011002").status_code == 200


def test_concurrent_requests_per_company(limited: Emulator) -> None:
    token = limited.token()["access_token"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda _: limited.api("GET", "preferences", token), range(2)))
    assert sorted(r.status_code for r in responses) == [200, 429]
    assert_throttled(next(r for r in responses if r.status_code == 429))


def test_batch_calls_per_minute(limited: Emulator) -> None:
    token = limited.token()["access_token"]
    body = {"BatchItemRequest": [{"bId": "1", "Query": "SELECT * FROM TaxCode"}]}
    first = limited.api("POST", "batch", token, json=body)
    assert first.status_code == 200
    assert first.json()["BatchItemResponse"][0]["QueryResponse"]["TaxCode"]
    assert_throttled(limited.api("POST", "batch", token, json=body))


def test_batch_size_and_per_item_faults(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    too_many = {"BatchItemRequest": [{"bId": str(i), "Query": "SELECT * FROM Item"} for i in range(31)]}
    response = emulator.api("POST", "batch", token, json=too_many)
    assert response.status_code == 400 and "Fault" in response.json()
    mixed = {
        "BatchItemRequest": [
            {"bId": "a", "operation": "create", "Customer": {"DisplayName": "Batchy"}},
            {
                "bId": "b",
                "operation": "update",
                "Customer": {"Id": "1", "SyncToken": "7", "DisplayName": "X"},
            },
            {"bId": "c", "Query": "SELECT * FROM Nope"},
        ]
    }
    items = emulator.api("POST", "batch", token, json=mixed).json()["BatchItemResponse"]
    assert items[0]["Customer"]["DisplayName"] == "Batchy"
    assert items[1]["Fault"]["Error"][0]["code"] == "5010"
    assert items[2]["Fault"]["Error"][0]["code"] == "4000"


def test_injected_faults_and_request_log(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    emulator.control("DELETE", "/requests")
    emulator.control("POST", "/faults", {"path_regex": "/query$", "status": 503, "times": 1})
    failed = emulator.query("SELECT * FROM Item", token)
    assert failed.status_code == 503
    assert failed.json()["Fault"]["type"] == "SystemFault"
    assert emulator.query("SELECT * FROM Item", token).status_code == 200
    emulator.control("POST", "/faults", {"path_regex": "/preferences$", "status": 401})
    unauthorized = emulator.api("GET", "preferences", token)
    assert unauthorized.json()["fault"]["error"][0]["code"] == "3200"
    emulator.control("POST", "/faults", {"path_regex": "/preferences$", "status": 429})
    assert_throttled(emulator.api("GET", "preferences", token))
    log = emulator.control("GET", "/requests")
    route = f"GET /v3/company/{MAIN_REALM}/query"
    assert log["by_route"][route] == {"503": 1, "200": 1}
    assert log["recent"][-1]["tenant"] == MAIN_REALM


def test_dropped_connection(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    emulator.control("POST", "/faults", {"path_regex": "/preferences$", "reset_connection": True})
    with pytest.raises(httpx.TransportError):
        emulator.api("GET", "preferences", token)
    assert emulator.api("GET", "preferences", token).status_code == 200


def test_python_quickbooks_sees_401_as_authorization_error(emulator: Emulator) -> None:
    qb = emulator.qb()
    emulator.control("POST", f"/companies/{MAIN_REALM}/disconnect")
    with pytest.raises(AuthorizationException) as caught:
        Customer.all(qb=qb)
    assert "AuthenticationFailed" in caught.value.detail


def test_not_emulated_operations_say_so(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    pdf = emulator.api("GET", "invoice/1/pdf", token)
    assert pdf.status_code == 400
    assert "not emulated" in pdf.json()["Fault"]["Error"][0]["Detail"]
    vendor = emulator.api("POST", "vendor", token, json={"DisplayName": "V"})
    assert vendor.status_code == 400 and vendor.json()["Fault"]["Error"][0]["code"] == "500"


def test_requestid_replays_faults_too(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    params = {"requestid": "dup-1"}
    first = emulator.api("POST", "customer", token, params=params, json={"DisplayName": "Maya Chen"})
    assert first.json()["Fault"]["Error"][0]["code"] == "6240"
    second = emulator.api("POST", "customer", token, params=params, json={"DisplayName": "Someone New"})
    assert second.json()["Fault"] == first.json()["Fault"]


def test_throttle_can_answer_in_xml() -> None:
    app = create_app(EmulatorConfig(rate_limit_scale=0.002, throttle_xml=True))
    with ServerThread(app) as server, httpx.Client() as http:
        emulator = Emulator(server.url, http)
        token = emulator.token()["access_token"]
        assert emulator.api("GET", "preferences", token).status_code == 200
        throttled = emulator.api("GET", "preferences", token)
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("application/xml")
    assert '<Error code="3001">' in throttled.text
