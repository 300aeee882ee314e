"""Webhooks: CloudEvents batches signed with intuit-signature, retried until the receiver says 2xx."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from quickbooks import QuickBooks
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator_core.server import ServerThread
from quickbooks_emulator.app import create_app
from quickbooks_emulator.config import EmulatorConfig

from .conftest import MAIN_REALM, Emulator

VERIFIER = "test-verifier-token"


class Receiver:
    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.fail_next = 0

    async def receive(self, request: Request) -> Response:
        if self.fail_next:
            self.fail_next -= 1
            return Response(status_code=500)
        self.deliveries.append((await request.body(), dict(request.headers)))
        return Response(status_code=200)

    def wait_for(self, count: int, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.deliveries) >= count


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Receiver, ServerThread]]:
    state = Receiver()
    app = Starlette(routes=[Route("/hooks", state.receive, methods=["POST"])])
    with ServerThread(app) as server:
        yield state, server


@pytest.fixture
def hooked(receiver: tuple[Receiver, ServerThread]) -> Iterator[tuple[Emulator, Receiver]]:
    state, server = receiver
    state.deliveries.clear()
    config = EmulatorConfig(webhook_url=f"{server.url}/hooks", webhook_verifier=VERIFIER)
    with ServerThread(create_app(config)) as emulator_server, httpx.Client() as http:
        yield Emulator(emulator_server.url, http), state


def test_changes_arrive_as_signed_cloudevents(hooked: tuple[Emulator, Receiver]) -> None:
    emulator, receiver = hooked
    token = emulator.token()["access_token"]
    created = emulator.api("POST", "customer", token, json={"DisplayName": "Hooked"}).json()["Customer"]
    receiver.wait_for(1)
    body, headers = receiver.deliveries[0]
    assert QuickBooks(minorversion=75).validate_webhook_signature(
        body.decode(), headers["intuit-signature"], VERIFIER
    )
    events: list[dict[str, Any]] = httpx.Response(200, content=body).json()
    assert len(events) == 1
    event = events[0]
    assert event["type"] == "qbo.customer.created.v1"
    assert event["intuitaccountid"] == MAIN_REALM
    assert event["intuitentityid"] == created["Id"]
    assert event["specversion"] == "1.0" and event["id"]


def test_a_payment_also_announces_the_invoice_update(hooked: tuple[Emulator, Receiver]) -> None:
    emulator, receiver = hooked
    token = emulator.token()["access_token"]
    payment = {
        "CustomerRef": {"value": "12"},  # Cash Sales, whose invoice 1 is part-paid
        "TotalAmt": 10,
        "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": "1", "TxnType": "Invoice"}]}],
    }
    assert emulator.api("POST", "payment", token, json=payment).status_code == 200
    emulator.api("GET", "query", token, params={"query": "SELECT * FROM TaxCode"})  # no event
    receiver.wait_for(1)
    time.sleep(0.2)
    assert len(receiver.deliveries) == 1
    types = sorted(e["type"] for e in httpx.Response(200, content=receiver.deliveries[0][0]).json())
    assert types == ["qbo.invoice.updated.v1", "qbo.payment.created.v1"]


def test_failed_delivery_is_retried(hooked: tuple[Emulator, Receiver]) -> None:
    emulator, receiver = hooked
    receiver.fail_next = 1
    token = emulator.token()["access_token"]
    emulator.api(
        "POST",
        "item",
        token,
        json={"Name": "Retry Me", "Type": "Service", "IncomeAccountRef": {"value": "2"}},
    )
    receiver.wait_for(1)
    assert "qbo.item.created.v1" in receiver.deliveries[0][0].decode()
    deadline = time.monotonic() + 5
    while emulator.control("GET", "/state")["webhooks"]["delivered"] < 1:
        assert time.monotonic() < deadline, "delivery never counted"
        time.sleep(0.05)


def test_classic_event_notifications_chosen_by_control_api(hooked: tuple[Emulator, Receiver]) -> None:
    emulator, receiver = hooked
    settings = emulator.control("POST", "/webhooks", {"format": "eventNotifications"})
    assert settings["format"] == "eventNotifications"
    token = emulator.token()["access_token"]
    memo = {
        "CustomerRef": {"value": "1"},
        "Line": [{"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}],
    }
    created = emulator.api("POST", "creditmemo", token, json=memo).json()["CreditMemo"]
    receiver.wait_for(1)
    body, headers = receiver.deliveries[0]
    assert QuickBooks(minorversion=75).validate_webhook_signature(
        body.decode(), headers["intuit-signature"], VERIFIER
    )
    payload = httpx.Response(200, content=body).json()
    [notification] = payload["eventNotifications"]
    assert notification["realmId"] == MAIN_REALM
    [entity] = notification["dataChangeEvent"]["entities"]
    assert entity["name"] == "CreditMemo" and entity["id"] == created["Id"]
    assert entity["operation"] == "Create" and entity["lastUpdated"].endswith("Z")
    voided = emulator.api(
        "POST", "creditmemo", token, params={"operation": "void"},
        json={"Id": created["Id"], "SyncToken": created["SyncToken"]},
    )
    assert voided.status_code == 200
    receiver.wait_for(2)
    entities = httpx.Response(200, content=receiver.deliveries[1][0]).json()["eventNotifications"][0]
    assert [e["operation"] for e in entities["dataChangeEvent"]["entities"]] == ["Void"]


def test_refund_receipt_events_in_cloudevents_and_switching_off(hooked: tuple[Emulator, Receiver]) -> None:
    emulator, receiver = hooked
    token = emulator.token()["access_token"]
    refund = {
        "CustomerRef": {"value": "1"},
        "DepositToAccountRef": {"value": "8"},
        "Line": [{"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "2"}}}],
    }
    assert emulator.api("POST", "refundreceipt", token, json=refund).status_code == 200
    receiver.wait_for(1)
    [event] = httpx.Response(200, content=receiver.deliveries[0][0]).json()
    assert event["type"] == "qbo.refundreceipt.created.v1"
    assert emulator.control("POST", "/webhooks", {"url": ""}) == {"url": None, "format": "cloudevents"}
    assert emulator.api("POST", "refundreceipt", token, json=refund).status_code == 200
    time.sleep(0.3)
    assert len(receiver.deliveries) == 1


def test_webhook_format_flag_reaches_the_config() -> None:
    import argparse

    from quickbooks_emulator.cli import add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from_args(parser.parse_args(["--webhook-format", "eventNotifications"]))
    assert config.webhook_format == "eventNotifications"
    with pytest.raises(SystemExit):
        parser.parse_args(["--webhook-format", "xml"])
