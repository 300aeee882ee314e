"""Settings → Sync → Payments and Data → Payments in a real Chromium against both emulators."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from simplecommercesync.sync.engine.models import RecordStatus
from simplecommercesync.sync.types.payments.models import PaymentSyncSettings
from tests.product.conftest import sign_in_browser
from tests.product.provider_pages import flash_text
from tests.product.sync.types.payments.test_sync_payments import pay, payworld_fixture, setup_invoice, sync  # noqa: F401 (fixture)
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_payment_settings_tab_saves_after_confirmation(page, world: World) -> None:  # type: ignore[no-untyped-def]
    base = world.providers.base_url
    sign_in_browser(page, base, world.admin.email)
    page.goto(f"{base}/settings/sync/invoices/")
    page.get_by_role("navigation", name="Sync types").get_by_role("link", name="Payments").click()
    page.wait_for_url(f"{base}/settings/sync/payments/")
    assert page.get_by_label("Succeeded (recommended)").is_checked()  # the default
    assert not page.get_by_label("Processing").is_checked()
    assert page.get_by_label("Require Invoice").is_checked()
    page.get_by_label("Refunded").check()
    page.get_by_label("Sync Refunds").uncheck()
    def cancel(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.dismiss()

    page.on("dialog", cancel)  # "Cancel" first: nothing is saved
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_timeout(300)
    assert not PaymentSyncSettings.objects.filter(workspace=world.admin.workspace).exists()
    page.remove_listener("dialog", cancel)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save Configuration").click()
    page.wait_for_load_state()
    assert "Configuration saved." in flash_text(page)
    saved = PaymentSyncSettings.objects.get(workspace=world.admin.workspace)
    assert saved.status_filter == ["succeeded", "refunded"] and saved.sync_refunds is False
    assert saved.require_invoice is True and saved.enabled is False


def test_data_payments_shows_what_a_payment_waits_for_and_then_its_invoice(page, payworld: World) -> None:  # type: ignore[no-untyped-def]
    invoice_id, _ = setup_invoice(payworld, "55.00")
    payment_id = pay(payworld, invoice_id, "55.00")
    sync(payworld, payment_id)
    record = payworld.record(payment_id, "payments")
    assert record.status == RecordStatus.PENDING
    base = payworld.providers.base_url
    sign_in_browser(page, base, payworld.admin.email)
    page.goto(f"{base}/data/payments/")
    row = page.get_by_test_id(f"record-{payment_id}")
    assert "Invoice not synced" in row.inner_text()
    row.get_by_role("link", name=record.label).click()
    invoices = page.get_by_test_id("payment-invoices")
    assert "Waiting for this invoice to sync" in invoices.inner_text()
    assert invoices.get_by_role("link", name=invoice_id).get_attribute("href").endswith(f"/0-53/{invoice_id}")

    payworld.drain("invoices")
    payworld.drain("payments")
    page.reload()
    record.refresh_from_db()
    assert record.status == RecordStatus.SUCCESS
    invoices = page.get_by_test_id("payment-invoices")
    assert "Applied" in invoices.inner_text() and "55.00" in invoices.inner_text()
    quickbooks_invoice = payworld.record(invoice_id).destination_id
    assert invoices.get_by_role("link", name=quickbooks_invoice).get_attribute("href").endswith(
        f"invoice?txnId={quickbooks_invoice}")
    facts = page.get_by_test_id("record")
    assert facts.get_by_role("link", name=payment_id).get_attribute("href").endswith(f"/0-101/{payment_id}")
    assert facts.get_by_role("link", name=f"Payment {record.destination_id}").get_attribute("href").endswith(
        f"recvpayment?txnId={record.destination_id}")
    expect(page.get_by_role("link", name="Payments").first).to_be_visible()
