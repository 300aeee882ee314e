"""QuickBooks' read-only record pages at its web app's paths (/app/invoice?txnId=,
/app/customerdetail?nameId=, /app/recvpayment?txnId=, /app/estimate?txnId=), which the product's
Data pages link to: sign-in, which company, what the page shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from .conftest import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, EU_REALM, MAIN_REALM, TEST_REALM, Emulator


@contextmanager
def _signed_in(emulator: Emulator, email: str = DEMO_USER_EMAIL) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.url) as browser:
        answer = browser.post("/app/signin", data={"email": email, "password": DEMO_USER_PASSWORD, "next": "/"})
        assert answer.status_code == 303
        yield browser


def _invoice_for_maya(emulator: Emulator, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    customers = emulator.query("select * from Customer where DisplayName = 'Maya Chen'", token).json()
    customer = customers["QueryResponse"]["Customer"][0]
    item = emulator.query("select * from Item where Sku = 'TENT-2P'", token).json()["QueryResponse"]["Item"][0]
    created = emulator.api("POST", "invoice", token, json={
        "CustomerRef": {"value": customer["Id"]}, "DocNumber": "INV-7001",
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "398.00", "Description": "Two tents",
                  "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 2, "UnitPrice": "199.00",
                                          "TaxCodeRef": {"value": "TAX"}}}]})
    assert created.status_code == 200, created.text
    return created.json()["Invoice"], customer


def test_pages_ask_to_sign_in_and_come_back(emulator: Emulator) -> None:
    with httpx.Client(base_url=emulator.url) as browser:
        page = browser.get("/app/invoice", params={"txnId": "1"})
        assert page.status_code == 200 and "Sign in to QuickBooks" in page.text
        assert 'name="next" value="/app/invoice?txnId=1"' in page.text


def test_invoice_and_customer_pages_show_the_company_records(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    invoice, customer = _invoice_for_maya(emulator, token)
    with _signed_in(emulator) as browser:
        # No realmId: the company the person last connected an app to (here, the token's grant).
        page = browser.get("/app/invoice", params={"txnId": invoice["Id"]})
        assert page.status_code == 200, page.text
        assert "Invoice INV-7001" in page.text and "Northwind Outfitters LLC" in page.text
        assert "Two tents" in page.text and f'data-field="TotalAmt">{invoice["TotalAmt"]}' in page.text
        assert f"nameId={customer['Id']}" in page.text
        detail = browser.get("/app/customerdetail", params={"nameId": customer["Id"]})
        assert detail.status_code == 200 and "Maya Chen" in detail.text
        assert "Invoice INV-7001" in detail.text and f"txnId={invoice['Id']}" in detail.text


def test_payment_and_estimate_pages(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    invoice, customer = _invoice_for_maya(emulator, token)
    paid = emulator.api("POST", "payment", token, json={
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": "100.00",
        "Line": [{"Amount": "100.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert paid.status_code == 200, paid.text
    estimate = emulator.api("POST", "estimate", token, json={
        "CustomerRef": {"value": customer["Id"]}, "DocNumber": "EST-7001",
        "Line": invoice["Line"][:1]})
    assert estimate.status_code == 200, estimate.text
    with _signed_in(emulator) as browser:
        payment_page = browser.get("/app/recvpayment", params={"txnId": paid.json()["Payment"]["Id"]})
        assert payment_page.status_code == 200 and "Receive payment" in payment_page.text
        assert f"/app/invoice?txnId={invoice['Id']}" in payment_page.text  # the invoice it paid
        estimate_page = browser.get("/app/estimate", params={"txnId": estimate.json()["Estimate"]["Id"]})
        assert estimate_page.status_code == 200 and "Estimate EST-7001" in estimate_page.text


def test_company_choice_missing_records_and_no_access(emulator: Emulator) -> None:
    token = emulator.token()["access_token"]
    invoice, _ = _invoice_for_maya(emulator, token)
    with _signed_in(emulator) as browser:
        # The same id in another company of the person's is another (here: no) invoice.
        other = browser.get("/app/invoice", params={"txnId": invoice["Id"], "realmId": TEST_REALM})
        assert other.status_code == 404 and "Invoice not found" in other.text
        assert browser.get("/app/invoice", params={"txnId": "99999"}).status_code == 404
        assert browser.get("/app/customerdetail", params={"nameId": "99999"}).status_code == 404
        explicit = browser.get("/app/invoice", params={"txnId": invoice["Id"], "realmId": MAIN_REALM})
        assert explicit.status_code == 200
    with _signed_in(emulator, "bookkeeper@northwind.example") as bookkeeper:
        refused = bookkeeper.get("/app/invoice", params={"txnId": invoice["Id"], "realmId": EU_REALM})
        assert refused.status_code == 403
