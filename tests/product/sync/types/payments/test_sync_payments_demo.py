"""`make run`'s demo: the Northwind payments land on their invoices, QuickBooks' balances equal
HubSpot's, and the refunded payments show their refunds in QuickBooks."""

from __future__ import annotations

from typing import Any

import pytest

from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.engine.queue import upsert_pending
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    money,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def demo_payments(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = ""
    while True:
        page = world.hs("GET", "/crm/v3/objects/commerce_payments?limit=100&properties=hs_reference_number,"
                               f"hs_latest_status,hs_refunds_amount{'&after=' + after if after else ''}")
        found += [p for p in page["results"] if "_demo_" in str(p["properties"].get("hs_reference_number"))
                  and not str(p["properties"]["hs_reference_number"]).startswith("pi_demo_eu")]
        after = ((page.get("paging") or {}).get("next") or {}).get("after", "")
        if not after:
            return found


def test_demo_payments_land_on_their_invoices_with_balances_equal_to_hubspots(world: World) -> None:
    PaymentSyncSettings.objects.update_or_create(
        workspace_id=world.workspace_id, defaults={"enabled": True, "status_filter": ["succeeded", "refunded"]})
    payments = demo_payments(world)
    assert len(payments) == 8, [p["properties"]["hs_reference_number"] for p in payments]
    ids = [str(p["id"]) for p in payments]
    # Only the payments are queued: each one queues the invoice it waits for, and goes once it synced.
    upsert_pending(world.workspace_id, "payments", str(world.portal_id), ids, requested_by="test")
    for _ in range(6):
        world.drain("payments")
        world.drain("invoices")
        SyncRecord.objects.filter(workspace_id=world.workspace_id, status=RecordStatus.PENDING).update(
            next_attempt_at=None)
    statuses = {p["properties"]["hs_reference_number"]: world.record(str(p["id"]), "payments") for p in payments}
    synced = {ref: r for ref, r in statuses.items() if r.destination_id}
    assert set(synced) == {"ch_demo_0003", "ch_demo_0004", "ch_demo_0006a", "ch_demo_0006b", "ch_demo_0012",
                           "ch_demo_0013"}, {ref: (r.status, r.note, r.error_message) for ref, r in statuses.items()}
    assert "never sync" in statuses["ch_demo_0018"].note
    assert "not in the Payment Status Filter" in statuses["ach_demo_0014"].note
    invoice_of = world.hs("POST", "/crm/v4/associations/commerce_payments/invoices/batch/read",
                          {"inputs": [{"id": r.source_id} for r in synced.values()]})["results"]
    invoices = {str(r["to"][0]["toObjectId"]) for r in invoice_of}
    assert len(invoices) == 5
    for invoice_id in invoices:
        hubspot = money(world.invoice_properties(invoice_id, "hs_balance_due")["hs_balance_due"])
        record = world.record(invoice_id)
        quickbooks = money(world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]["Balance"])
        assert quickbooks == hubspot, (record.label, quickbooks, hubspot)
    receipts = world.query("SELECT * FROM RefundReceipt")
    refunded = {str(r.get("PaymentRefNum")): money(r["TotalAmt"]) for r in receipts}
    assert refunded.get("ch_demo_0013") == money("50.00")
    assert "ch_demo_0012" in refunded and refunded["ch_demo_0012"] > 0
