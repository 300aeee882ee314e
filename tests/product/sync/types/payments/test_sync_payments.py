"""Payments HubSpot → QuickBooks over HTTP against both emulators: applied, partial, several,
overpaid, unapplied, waiting for the invoice, refunds, edits and removal, currency, faults.
Every test compares the QuickBooks invoice's Balance with HubSpot's hs_balance_due."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from simplecommercesync.sync.engine.models import RecordStatus, SyncAttempt, SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.inbound.hubspot_polling import poll_due_workspaces
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.tax_models import TaxSettings, UnmappedTaxBehavior
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from simplecommercesync.sync.types.payments import errors as payment_errors
from simplecommercesync.sync.types.payments.models import PaymentInvoice, PaymentSyncSettings
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    money,
    world_fixture,
)

pytestmark = [pytest.mark.integration]
# HubSpot contact ids by email (a second contact with the same email is a 409).
CONTACTS: dict[str, str] = {}


@pytest.fixture(name="payworld")
def payworld_fixture(world: World) -> World:
    # Non-taxable lines: QuickBooks' automated sales tax would otherwise add tax HubSpot didn't bill.
    TaxSettings.objects.filter(workspace_id=world.workspace_id).update(unmapped_behavior=UnmappedTaxBehavior.NON_TAXABLE)
    PaymentSyncSettings.objects.update_or_create(workspace_id=world.workspace_id, defaults={"enabled": True})
    return world


def setup_invoice(world: World, total: str = "100.00", currency: str = "USD") -> tuple[str, str]:
    """An open invoice of `total` for a contact QuickBooks already knows; returns (invoice, email)."""
    sku = f"PAY-{world.tag}"
    if not world.query(f"SELECT * FROM Item WHERE Sku = '{sku}'"):
        world.item(sku, total)
    email = f"payer.{world.tag}@example.com"
    if not world.query(f"SELECT * FROM Customer WHERE DisplayName = 'Payer {world.tag}'"):
        world.customer(f"Payer {world.tag}", email)
    contact = CONTACTS.get(email) or CONTACTS.setdefault(email, world.contact(email, "Payer", world.tag))
    return world.invoice(contact, [(sku, "1", total)], currency=currency), email


def pay(world: World, invoice_id: str | None, amount: str, *, currency: str = "USD", status: str = "succeeded",
        email: str | None = None) -> str:
    props: dict[str, Any] = {"hs_initial_amount": amount, "hs_initiated_date": "2026-02-10T00:00:00Z",
                             "hs_latest_status": status, "hs_currency_code": currency,
                             "hs_reference_number": f"ch_{world.tag}_{amount}"}
    if email:
        props["hs_customer_email"] = email
    payment_id = str(world.hs("POST", "/crm/v3/objects/commerce_payments", {"properties": props})["id"])
    if invoice_id:
        world.hs("PUT", f"/crm/v4/objects/commerce_payments/{payment_id}/associations/default/invoices/{invoice_id}")
    return payment_id


def refund(world: World, payment_id: str, amount: str | None = None) -> None:
    world.providers.hubspot("POST", f"/_emulator/portals/{world.portal_id}/payments/{payment_id}/refund",
                            json={"amount": amount} if amount else {}).raise_for_status()


def sync(world: World, *payment_ids: str, invoices: tuple[str, ...] = ()) -> None:
    if invoices:
        world.queue(*invoices)
        world.drain("invoices")
    if payment_ids:
        upsert_pending(world.workspace_id, "payments", str(world.portal_id), payment_ids, requested_by="test")
    world.drain("payments")


def qb_invoice(world: World, invoice_id: str) -> dict[str, Any]:
    # Paying an invoice changes it in HubSpot, whose webhook queues it again: the link is what counts.
    record = world.record(invoice_id)
    assert record.destination_id, (record.status, record.error_kind, record.error_message)
    found: dict[str, Any] = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    return found


def qb_payment(world: World, payment_id: str) -> dict[str, Any]:
    record = world.record(payment_id, "payments")
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message)
    found: dict[str, Any] = world.qb("GET", f"payment/{record.destination_id}")["Payment"]
    return found


def payments_of(world: World, invoice_id: str) -> list[dict[str, Any]]:
    customer = qb_invoice(world, invoice_id)["CustomerRef"]["value"]
    return world.query(f"SELECT * FROM Payment WHERE CustomerRef = '{customer}'")


def assert_balances_match(world: World, invoice_id: str) -> Decimal:
    hubspot = money(world.invoice_properties(invoice_id, "hs_balance_due")["hs_balance_due"])
    quickbooks = money(qb_invoice(world, invoice_id)["Balance"])
    assert quickbooks == hubspot, (quickbooks, hubspot)
    return quickbooks


def test_full_payment_is_applied_to_its_invoice(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "120.00")
    payment_id = pay(payworld, invoice_id, "120.00")
    sync(payworld, payment_id, invoices=(invoice_id,))
    written = qb_payment(payworld, payment_id)
    assert money(written["TotalAmt"]) == money("120.00")
    assert written["Line"][0]["LinkedTxn"] == [{"TxnId": payworld.record(invoice_id).destination_id,
                                                "TxnType": "Invoice"}]
    assert assert_balances_match(payworld, invoice_id) == money("0")
    # Nothing new on a second pass: the fingerprint says "unchanged".
    sync(payworld, payment_id)
    assert len(payments_of(payworld, invoice_id)) == 1
    assert SyncAttempt.objects.filter(record=payworld.record(payment_id, "payments")).values_list("action", flat=True)[0] == "unchanged"


def test_partial_then_second_partial_pay_the_invoice_off(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "100.00")
    first = pay(payworld, invoice_id, "30.00")
    sync(payworld, first, invoices=(invoice_id,))
    assert assert_balances_match(payworld, invoice_id) == money("70.00")
    second = pay(payworld, invoice_id, "70.00")
    sync(payworld, second)
    assert assert_balances_match(payworld, invoice_id) == money("0")
    assert len(payments_of(payworld, invoice_id)) == 2
    row = PaymentInvoice.objects.get(payment_record=payworld.record(second, "payments"))
    assert row.applied_amount == money("70.00") and not row.waiting


def test_overpayment_leaves_the_rest_unapplied(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "100.00")
    payment_id = pay(payworld, invoice_id, "150.00")
    sync(payworld, payment_id, invoices=(invoice_id,))
    written = qb_payment(payworld, payment_id)
    assert money(written["Line"][0]["Amount"]) == money("100.00")
    assert money(written["UnappliedAmt"]) == money("50.00")
    assert money(qb_invoice(payworld, invoice_id)["Balance"]) == money("0")
    assert "Overpayment: 50.00 left unapplied" in payworld.record(payment_id, "payments").note


def test_require_invoice_off_records_the_payment_unapplied_against_the_customer(payworld: World) -> None:
    PaymentSyncSettings.objects.filter(workspace_id=payworld.workspace_id).update(require_invoice=False)
    _, email = setup_invoice(payworld, "40.00")
    payment_id = pay(payworld, None, "25.00", email=email)
    sync(payworld, payment_id)
    written = qb_payment(payworld, payment_id)
    assert written["Line"] == [] and money(written["UnappliedAmt"]) == money("25.00")
    customer = payworld.qb("GET", f"customer/{written['CustomerRef']['value']}")["Customer"]
    assert customer["PrimaryEmailAddr"]["Address"] == email


def test_require_invoice_on_without_invoice_fails_with_its_fix(payworld: World) -> None:
    payment_id = pay(payworld, None, "25.00")
    sync(payworld, payment_id)
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.FAILED and record.error_kind == payment_errors.PAYMENT_WITHOUT_INVOICE.key
    assert record.error_fix == payment_errors.PAYMENT_WITHOUT_INVOICE.fix


def test_payment_before_its_invoice_waits_then_goes_by_itself(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "80.00")
    payment_id = pay(payworld, invoice_id, "80.00")
    sync(payworld, payment_id)  # the invoice hasn't synced: the payment waits, and queues the invoice
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.PENDING and record.error_kind == payment_errors.INVOICE_NOT_SYNCED.key
    assert "Invoice not synced" in record.error_message
    assert PaymentInvoice.objects.get(payment_record=record, hubspot_invoice_id=invoice_id).waiting
    assert payworld.record(invoice_id).status == RecordStatus.PENDING, "the payment queued its invoice"
    SyncRecord.objects.filter(pk=record.pk).update(next_attempt_at=None, requested_by="")  # no backoff wait
    payworld.drain("invoices")
    # The invoice drain queued the payment again by itself (no Retry pressed).
    record.refresh_from_db()
    assert record.requested_by == "invoice_synced"
    payworld.drain("payments")
    assert payworld.record(payment_id, "payments").status == RecordStatus.SUCCESS
    assert assert_balances_match(payworld, invoice_id) == money("0")
    assert not PaymentInvoice.objects.get(payment_record=record).waiting


def test_payment_of_a_failed_invoice_fails_then_goes_once_the_invoice_is_fixed(payworld: World) -> None:
    sku = f"LATE-{payworld.tag}"
    email = f"late.{payworld.tag}@example.com"
    invoice_id = payworld.invoice(payworld.contact(email, "Late", payworld.tag), [(sku, "1", "60.00")])
    payworld.queue(invoice_id)
    payworld.drain("invoices")
    assert payworld.record(invoice_id).error_kind == mapping_errors.SKU_NOT_FOUND.key
    payment_id = pay(payworld, invoice_id, "60.00")
    time.sleep(0.5)  # the association's webhook queues the invoice again; let it fail again first
    payworld.drain("invoices")
    sync(payworld, payment_id)
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.FAILED and record.error_kind == payment_errors.INVOICE_NOT_SYNCED.key
    assert "SKU not found" in record.error_message
    payworld.item(sku, "60.00")  # the person fixes the invoice's own error and retries the invoice only
    payworld.queue(invoice_id)
    payworld.drain("invoices")
    payworld.drain("payments")
    assert payworld.record(payment_id, "payments").status == RecordStatus.SUCCESS
    assert assert_balances_match(payworld, invoice_id) == money("0")


def test_full_and_partial_refunds_reopen_the_invoice_and_write_a_refund_receipt(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "100.00")
    payment_id = pay(payworld, invoice_id, "100.00")
    sync(payworld, payment_id, invoices=(invoice_id,))
    refund(payworld, payment_id, "40.00")
    sync(payworld, payment_id)
    assert assert_balances_match(payworld, invoice_id) == money("40.00")
    written = qb_payment(payworld, payment_id)
    assert money(written["Line"][0]["Amount"]) == money("60.00")
    receipts = payworld.query(f"SELECT * FROM RefundReceipt WHERE CustomerRef = '{written['CustomerRef']['value']}'")
    assert [money(r["TotalAmt"]) for r in receipts] == [money("40.00")]
    refund(payworld, payment_id)  # the rest: refunded in full
    sync(payworld, payment_id)
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.SUCCESS, (record.error_kind, record.error_message, record.note)
    assert assert_balances_match(payworld, invoice_id) == money("100.00")
    receipts = payworld.query(f"SELECT * FROM RefundReceipt WHERE CustomerRef = '{written['CustomerRef']['value']}'")
    assert [money(r["TotalAmt"]) for r in receipts] == [money("100.00")], "one receipt per payment, updated"
    assert len(payments_of(payworld, invoice_id)) == 1


def test_refund_before_its_payment_synced_waits_with_it(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "90.00")
    payment_id = pay(payworld, invoice_id, "90.00")
    refund(payworld, payment_id, "30.00")
    sync(payworld, payment_id)
    assert payworld.record(payment_id, "payments").error_kind == payment_errors.INVOICE_NOT_SYNCED.key
    SyncRecord.objects.filter(workspace_id=payworld.workspace_id, sync_type="payments").update(next_attempt_at=None)
    payworld.drain("invoices")
    payworld.drain("payments")
    assert assert_balances_match(payworld, invoice_id) == money("30.00")
    written = qb_payment(payworld, payment_id)
    receipts = payworld.query(f"SELECT * FROM RefundReceipt WHERE CustomerRef = '{written['CustomerRef']['value']}'")
    assert [money(r["TotalAmt"]) for r in receipts] == [money("30.00")]


def test_payment_edited_then_removed_in_hubspot_updates_then_voids_quickbooks(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "100.00")
    payment_id = pay(payworld, invoice_id, "50.00")
    sync(payworld, payment_id, invoices=(invoice_id,))
    assert assert_balances_match(payworld, invoice_id) == money("50.00")
    payworld.hs("PATCH", f"/crm/v3/objects/commerce_payments/{payment_id}", {"properties": {"hs_initial_amount": "80.00"}})
    sync(payworld, payment_id)
    assert assert_balances_match(payworld, invoice_id) == money("20.00")
    assert money(qb_payment(payworld, payment_id)["TotalAmt"]) == money("80.00")
    payworld.hs("DELETE", f"/crm/v3/objects/commerce_payments/{payment_id}")
    sync(payworld, payment_id)
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.SUCCESS
    # HubSpot's deletion webhook may queue the payment once more after the void; that pass finds
    # nothing to do, so the void is the newest attempt that did something.
    actions = [a for a in SyncAttempt.objects.filter(record=record).values_list("action", flat=True) if a != "none"]
    assert actions[0] == "voided", actions
    voided = payworld.qb("GET", f"payment/{record.destination_id}")["Payment"]
    assert money(voided["TotalAmt"]) == money("0")
    assert assert_balances_match(payworld, invoice_id) == money("100.00")


def test_failed_payment_never_syncs(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "70.00")
    payment_id = pay(payworld, invoice_id, "70.00", status="failed")
    sync(payworld, payment_id, invoices=(invoice_id,))
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.SUCCESS and record.destination_id == ""
    assert "never sync" in record.note
    assert payments_of(payworld, invoice_id) == []


def test_currency_mismatch_fails_with_its_fix(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "50.00")
    payment_id = pay(payworld, invoice_id, "50.00", currency="EUR")
    sync(payworld, payment_id, invoices=(invoice_id,))
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.FAILED and record.error_kind == payment_errors.CURRENCY_MISMATCH.key
    assert "EUR" in record.error_message and "USD" in record.error_message
    assert record.error_fix == payment_errors.CURRENCY_MISMATCH.fix
    assert payments_of(payworld, invoice_id) == []


def test_invoice_voided_with_a_payment_applied_unapplies_the_payment_and_queues_the_invoice(payworld: World) -> None:
    invoice_id, _ = setup_invoice(payworld, "100.00")
    payment_id = pay(payworld, invoice_id, "30.00")
    sync(payworld, payment_id, invoices=(invoice_id,))
    payworld.hs("PATCH", f"/crm/v3/objects/invoices/{invoice_id}", {"properties": {"hs_invoice_status": "voided"}})
    sync(payworld, payment_id)
    # QuickBooks refuses to void an invoice while a payment is applied: the payment lets go first.
    payment = qb_payment(payworld, payment_id)
    assert payment["Line"] == [] and money(payment["UnappliedAmt"]) == money("30.00")
    assert "voided in HubSpot" in payworld.record(payment_id, "payments").note
    invoice = payworld.record(invoice_id)
    assert invoice.status == RecordStatus.PENDING and invoice.requested_by == "payment", "the invoice goes next"
    quickbooks_id = invoice.destination_id
    assert payworld.query(f"SELECT * FROM Payment WHERE Id = '{payment['Id']}'")[0]["Line"] == []
    assert money(payworld.qb("GET", f"invoice/{quickbooks_id}")["Invoice"]["Balance"]) == money("100.00")


def test_429_and_5xx_are_retried_without_duplicate_payments(payworld: World) -> None:
    invoices = [setup_invoice(payworld, "10.00")[0] for _ in range(3)]
    payworld.queue(*invoices)
    payworld.drain("invoices")
    payment_ids = [pay(payworld, invoice_id, "10.00") for invoice_id in invoices]
    payworld.providers.quickbooks("POST", "/_emulator/faults", json=[
        {"path_regex": r"/payment$", "method": "POST", "status": 429, "headers": {"Retry-After": "1"}, "times": 2},
        {"path_regex": r"/payment$", "method": "POST", "status": 503, "times": 1},
        # The answer is lost after QuickBooks wrote the payment: only the journal's replay saves us.
        {"path_regex": r"/payment$", "method": "POST", "answer_delay_s": 3, "times": 1},
    ]).raise_for_status()
    payworld.providers.hubspot("POST", "/_emulator/faults", json=[
        {"path_regex": r"/commerce_payments/batch/read$", "status": 429, "times": 1},
        {"path_regex": r"/commerce_payments/batch/read$", "status": 502, "times": 1},
    ]).raise_for_status()
    upsert_pending(payworld.workspace_id, "payments", str(payworld.portal_id), payment_ids, requested_by="test")
    for _ in range(10):
        payworld.drain("payments")
        SyncRecord.objects.filter(sync_type="payments", status=RecordStatus.PENDING).update(next_attempt_at=None)
        if all(payworld.record(p, "payments").status == RecordStatus.SUCCESS for p in payment_ids):
            break
    payworld.providers.quickbooks("DELETE", "/_emulator/faults")
    written = payments_of(payworld, invoices[0])  # one customer pays all three
    for payment_id in payment_ids:
        mine = [p for p in written if f"HubSpot payment {payment_id} " in p.get("PrivateNote", "")]
        assert len(mine) == 1, "no duplicate payments"
    assert len(written) == 3
    for invoice_id in invoices:
        assert assert_balances_match(payworld, invoice_id) == money("0")


def test_preview_plans_payments_without_writing(payworld: World) -> None:
    from simplecommercesync.sync.engine.models import QuickBooksWrite, RecordLink
    from simplecommercesync.sync.preview import build_context
    from simplecommercesync.sync.types.payments.sync import PaymentSync

    synced, _ = setup_invoice(payworld, "60.00")
    payworld.queue(synced)
    payworld.drain("invoices")
    waiting, _ = setup_invoice(payworld, "20.00")
    applied = pay(payworld, synced, "60.00")
    early = pay(payworld, waiting, "20.00")
    failed = pay(payworld, synced, "5.00", status="failed")
    writes, links = QuickBooksWrite.objects.count(), RecordLink.objects.count()
    context = build_context(payworld.workspace_id, "payments")
    try:
        rows = {r.source_id: r for r in PaymentSync().preview(context, [applied, early, failed])}
    finally:
        context.close()
    assert rows[applied].action == "create" and "60.00 to Invoice" in rows[applied].reason
    assert rows[early].action == "skip" and rows[early].error_kind == payment_errors.INVOICE_NOT_SYNCED.key
    assert rows[failed].action == "skip" and "never sync" in rows[failed].reason
    assert (QuickBooksWrite.objects.count(), RecordLink.objects.count()) == (writes, links), "nothing written"
    # (HubSpot's own webhook may queue the new invoice; the preview itself never does.)
    assert not SyncRecord.objects.filter(sync_type="invoices", source_id=waiting, requested_by="payment").exists()
    assert not SyncAttempt.objects.filter(record__sync_type="payments", record__source_id=applied).exists()


def test_a_workspace_with_only_payment_sync_on_is_polled(payworld: World) -> None:
    InvoiceSyncSettings.objects.filter(workspace_id=payworld.workspace_id).update(enabled=False)
    poll_due_workspaces(timedelta(0))  # the first poll sets the cursors
    _, email = setup_invoice(payworld, "15.00")
    payment_id = pay(payworld, None, "15.00", email=email)
    # As if HubSpot's webhook never came: the poll alone must find the payment.
    SyncRecord.objects.filter(sync_type="payments", source_id=payment_id).delete()
    time.sleep(1.1)  # HubSpot's search index lags (the emulator's --search-delay)
    assert (payworld.workspace_id, "payments") in poll_due_workspaces(timedelta(0))
    assert SyncRecord.objects.filter(sync_type="payments", source_id=payment_id).exists()
