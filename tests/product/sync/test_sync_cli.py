"""`scs sync run` and `scs sync status` against both emulators."""

from __future__ import annotations

import pytest
from rich.console import Console

from simplecommercesync.sync import commands
from simplecommercesync.sync.engine.models import RecordStatus
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def test_sync_run_full_then_status(world: World) -> None:
    sku = f"CLI-{world.tag}"
    world.item(sku)
    good = world.invoice(world.contact(f"cli.{world.tag}@example.com", "Cli", f"User{world.tag}"), [(sku, "1", "9")])
    bad = world.invoice(world.contact(f"cli2.{world.tag}@example.com", "Cli", f"Two{world.tag}"),
                        [(f"NOPE-{world.tag}", "1", "9")])
    world.settle_webhooks()  # a late creation webhook would queue the failed invoice again after the run
    console = Console(record=True, width=160)
    code = commands.run("invoices", full=True, workspace=str(world.workspace_id), console=console)
    out = console.export_text()
    assert code == 0, out
    assert world.record(good).status == RecordStatus.SUCCESS
    assert world.record(bad).status == RecordStatus.FAILED
    assert "Invoices (" in out and "queued)" in out and "failed" in out
    console = Console(record=True, width=200)
    assert commands.status(str(world.workspace_id), console=console) == 0
    report = console.export_text()
    assert f"SKU not found: NOPE-{world.tag}" in report
    assert "Create a QuickBooks item with exactly this SKU" in report
