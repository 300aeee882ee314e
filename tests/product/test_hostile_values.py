"""Issue 15 point 3: hostile values in what we store and export. CSV cells that a spreadsheet would
run as a formula are escaped; Unicode and very long names survive the pages and the export; odd
money values set in the HubSpot emulator make a sync fail clearly (or sync exactly), never crash
and never write a wrong invoice to QuickBooks."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from simplecommercesync.data.csv_export import FORMULA_STARTS, safe_cell
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord

from .hostile_inputs import SPECIAL_TEXT, examples, hostile_text, tried
from .test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)


def _round_trip(value: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(value)])
    (cell,) = next(csv.reader(io.StringIO(buffer.getvalue())))
    return cell


@examples(300, 5000)
@given(text=st.one_of(hostile_text, st.sampled_from(FORMULA_STARTS).flatmap(lambda c: hostile_text.map(c.__add__))))
def test_no_exported_text_cell_starts_like_a_formula(text: str) -> None:
    tried()
    cell = _round_trip(text)
    assert not cell.startswith(FORMULA_STARTS)
    # Nothing else changes: the text is there, behind one apostrophe when it needed one.
    assert cell in (text, "'" + text)


def test_numbers_stay_numbers_and_negative_amounts_are_not_mangled() -> None:
    assert _round_trip(Decimal("-12.50")) == "-12.50"
    assert _round_trip(7) == "7"


@pytest.mark.django_db
def test_a_csv_export_of_hostile_names_is_safe_and_complete(admin: Any) -> None:
    labels = [t for t in SPECIAL_TEXT if "\x00" not in t] + ["=1+1", "+1", "-1", "@A1", "\tX", "\rY", "名前" * 3000]
    for number, label in enumerate(labels):
        SyncRecord.objects.create(workspace=admin.workspace, sync_type="invoices", source_account="2468101",
                                  source_id=f"h{number}", status=RecordStatus.FAILED, label=label[:255],
                                  error_kind="validation_error", error_message=label, error_fix="=" + label,
                                  note="@" + label)
    client = Client(raise_request_exception=True)
    client.force_login(admin)
    response = client.get("/data/invoices/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(labels) + 1
    cells = [cell for row in rows[1:] for cell in row]
    tried()
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    # The pages show them too (escaped HTML, no 500).
    assert client.get("/data/invoices/").status_code == 200
    for record in SyncRecord.objects.filter(workspace=admin.workspace)[:10]:
        assert client.get(f"/data/invoices/{record.pk}/").status_code == 200


# Odd money values as HubSpot could hold them: many decimals, negative, huge, not a number.
ODD_PRICES = ["1.23456789", "0.001", "-5.00", "1e20", "99999999999999999999.99", "1e30", "-0",
              "NaN", "Infinity", "12,50", "1 000", "0x10", "",
              # what HubSpot takes but QuickBooks can't hold (past 10 integer digits)
              "999999999999999", "12345678901.23", "-0.004"]
ODD_QUANTITIES = ["2.5", "-1", "1e9", "NaN", "1.0000001"]  # "0": see test_a_zero_quantity_line_is_not_billed


def _line_total(quantity: str, price: str) -> Decimal | None:
    try:
        value = Decimal(quantity or "0") * Decimal(price or "0")
    except Exception:
        return None
    return value if value.is_finite() else None


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_odd_money_values_fail_clearly_or_sync_exactly(world: World) -> None:
    world.item("ODD-1")
    contact = world.contact(f"odd-{world.tag}@example.com")
    cases: list[tuple[str, str, str]] = [("1", price, "") for price in ODD_PRICES]
    cases += [(quantity, "10.00", "") for quantity in ODD_QUANTITIES]
    made = []
    for quantity, price, _ in cases:
        try:
            invoice_id = world.invoice(contact, [("ODD-1", quantity, price)])
        except AssertionError:
            # HubSpot's own API refused the value: it can never reach us.
            continue
        made.append((invoice_id, quantity, price))
    assert len(made) >= 10
    qbo_before = world.invoice_count()
    world.queue(*[invoice_id for invoice_id, _, _ in made])
    world.drain()
    synced = 0
    for invoice_id, quantity, price in made:
        tried()
        record = world.record(invoice_id)
        assert record.status in (RecordStatus.SUCCESS, RecordStatus.FAILED), (price, quantity, record.status)
        if record.status == RecordStatus.FAILED:
            assert record.error_message and record.error_fix or record.error_message, (price, quantity)
            assert "Traceback" not in record.error_message
            continue
        synced += 1
        written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
        expected = _line_total(quantity, price)
        # Synced means exact: QuickBooks holds quantity × price, to the cent, nothing silently zeroed.
        assert expected is not None, (price, quantity, written["TotalAmt"])
        line = next(li for li in written["Line"] if li.get("DetailType") == "SalesItemLineDetail")
        # HubSpot bills quantity × price rounded to the cent; QuickBooks must hold the same amount.
        # (Past 10^15 the QuickBooks emulator answers amounts as JSON floats, which can't hold cents.)
        wanted = expected.quantize(Decimal("0.01"), ROUND_HALF_UP)
        if abs(wanted) < Decimal(10) ** 15:
            assert Decimal(str(line["Amount"])) == wanted, (price, quantity, line)
        else:
            assert float(line["Amount"]) == float(wanted), (price, quantity, line)
    assert world.invoice_count() == qbo_before + synced


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_zero_quantity_line_is_not_billed(world: World) -> None:
    world.item("ZERO-1")
    world.item("ZERO-2")
    contact = world.contact(f"zero-{world.tag}@example.com")
    mixed = world.invoice(contact, [("ZERO-1", "0", "10.00"), ("ZERO-2", "2", "5.00")])
    only_zero = world.invoice(contact, [("ZERO-1", "0", "10.00")])
    world.queue(mixed, only_zero)
    world.drain()
    record = world.record(mixed)
    assert record.status == RecordStatus.SUCCESS, record.error_message
    written = world.qb("GET", f"invoice/{record.destination_id}")["Invoice"]
    assert Decimal(str(written["TotalAmt"])) == Decimal("10.00")
    nothing = world.record(only_zero)
    assert nothing.status == RecordStatus.FAILED
    assert "Every line of the invoice has quantity 0" in nothing.error_message
