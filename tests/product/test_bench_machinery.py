"""The bench's own machinery: the P1 ceiling formula and the results file's schema (no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.ceiling import (
    BackfillWorkload,
    Limits,
    backfill_ceiling,
    hubspot_calls,
    payments_ceiling,
    quickbooks_operations,
    quotes_ceiling,
)
from bench.results import check, percentile, table, write


def test_quickbooks_budget_counts_batch_items_and_the_singles_left() -> None:
    # x1: 40 batches x 30 items + (500 - 40) singles per minute.
    assert Limits(1).quickbooks_operations_per_second == pytest.approx((40 * 30 + 460) / 60)
    # x10 as the emulators round it: 400 batches, 5,000 requests.
    assert Limits(10).quickbooks_operations_per_second == pytest.approx((400 * 30 + 4600) / 60)
    assert Limits(10).hubspot_per_second == pytest.approx(110)


def test_p1_ceiling_for_2000_invoices() -> None:
    workload = BackfillWorkload(invoices=2000, lines_per_invoice=3, contacts=500, skus=200)
    # pages 20 + associations 2x2 + line items 60 + contacts 5 + write-back 20
    assert hubspot_calls(workload) == 109
    # emails 500 + name checks 13 + SKU lists 5 + customers 500 + invoices 2000
    assert quickbooks_operations(workload) == 3018
    ceiling = backfill_ceiling(workload, Limits(10))
    assert ceiling.bound_by == "QuickBooks"
    assert ceiling.records_per_second == pytest.approx(2000 / (3018 / ((12000 + 4600) / 60)))
    # Real limits: ten times fewer requests, the same calls.
    assert backfill_ceiling(workload, Limits(1)).records_per_second == pytest.approx(
        ceiling.records_per_second / 10, rel=0.01)
    # At x10 the first minute's QuickBooks budget (16,600 operations) holds the whole run; at x1
    # (1,660) it does not.
    assert ceiling.fits_first_windows
    assert not backfill_ceiling(workload, Limits(1)).fits_first_windows


def test_payments_ceiling_is_one_quickbooks_operation_per_payment() -> None:
    ceiling = payments_ceiling(1000, Limits(10))
    assert (ceiling.hubspot_calls, ceiling.quickbooks_operations) == (11, 1000)
    assert ceiling.records_per_second == pytest.approx((12000 + 4600) / 60)


def test_quotes_ceiling_counts_an_invoice_backfills_calls_per_quote() -> None:
    ceiling = quotes_ceiling(BackfillWorkload(invoices=1000, lines_per_invoice=3, contacts=250, skus=200), Limits(10))
    # pages 10 + associations 2x1 + line items 30 + contacts 3 + write-back 10
    # emails 250 + name checks 7 + SKU lists 5 + customers 250 + estimates 1000
    assert (ceiling.hubspot_calls, ceiling.quickbooks_operations) == (55, 1512)
    assert ceiling.bound_by == "QuickBooks" and ceiling.fits_first_windows
    assert ceiling.records_per_second == pytest.approx(1000 / (1512 / ((12000 + 4600) / 60)))
    quick = quotes_ceiling(BackfillWorkload(invoices=200, lines_per_invoice=3, contacts=50, skus=200), Limits(10))
    assert (quick.hubspot_calls, quick.quickbooks_operations) == (13, 307)


def test_results_file_has_one_complete_object_per_id(tmp_path: Path) -> None:
    entry = {"id": "P1", "what": "backfill", "figure": 150.0, "unit": "invoices/s", "target": "≥ 90 %",
             "met": True, "params": {"invoices": 2000}, "machine": {"cpus": 2}, "load_average": [1.0, 1.0, 1.0],
             "ceiling": 160.0, "ratio": 0.94}
    out = tmp_path / "latest.json"
    write(out, {"quick": True}, [entry])
    stored = json.loads(out.read_text())
    assert [e["id"] for e in stored["results"]] == ["P1"]
    assert check(stored["results"][0]) == []
    assert "ceiling 160.0" in table(stored["results"])
    incomplete = {k: v for k, v in entry.items() if k not in ("ratio", "ceiling")}
    assert check(incomplete) == ["P1: neither ceiling nor baseline", "P1: no ratio"]
    with pytest.raises(ValueError, match="no ratio"):
        write(out, {}, [incomplete])


def test_percentile_is_a_measured_value() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile([0.3], 0.95) == 0.3
