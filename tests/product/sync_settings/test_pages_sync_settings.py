"""Settings → Sync → Invoices and Tax with Django's test client: defaults, saving with a
confirmation, validation that keeps what was typed, CSRF, and the member's read-only view and 403."""

from __future__ import annotations

import pytest
from django.test import Client

from simplecommercesync.accounts.models import User
from simplecommercesync.sync.mapping.tax_models import TaxMapping, TaxSettings, UnmappedTaxBehavior
from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings
from tests.product.pages_support import (
    EU_REALM,
    PORTAL,
    US_REALM,
    cache_tax_data,
    connect_both,
    input_tag,
    is_checked,
    signed_in,
)

pytestmark = pytest.mark.django_db

INVOICES = "/settings/sync/invoices/"
TAX = "/settings/sync/tax/"


def flash(client: Client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"]).content.decode()


# -- Invoices ---------------------------------------------------------------------------------


def test_invoice_tab_shows_defaults_and_both_directions(admin: User) -> None:
    html = signed_in(admin).get(INVOICES).content.decode()
    assert "Enable Invoice Sync" in html and "Save Configuration" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert [is_checked(html, "status_filter", s) for s in ("draft", "open", "paid", "voided")] == [
        False, True, True, False]
    assert " disabled" not in input_tag(html, "direction", "quickbooks_to_hubspot")
    assert is_checked(html, "direction", "hubspot_to_quickbooks")
    assert "Switching never changes invoices that already synced" in html
    assert "including SimpleCommerceSync&#x27;s own writes" in html
    assert is_checked(html, "skip_integration_source") and is_checked(html, "sync_void_status")
    assert not is_checked(html, "enabled")
    # Every sync type's tab, in the sidebar and on the page.
    for tab in ("Invoices", "Quotes", "Payments", "Products", "Tax"):
        assert f">{tab}</a>" in html


def test_saving_invoice_settings_confirms_and_stores(admin: User) -> None:
    client = signed_in(admin)
    response = client.post(INVOICES, {"direction": "hubspot_to_quickbooks", "status_filter": ["open", "paid", "voided"],
                                      "sync_void_status": "on"})
    assert "Configuration saved." in flash(client, response)
    saved = InvoiceSyncSettings.objects.get(workspace=admin.workspace)
    assert saved.status_filter == ["open", "paid", "voided"]
    assert saved.skip_integration_source is False and saved.sync_void_status is True and saved.enabled is False
    assert saved.updated_by == admin


def test_turning_sync_on_without_connections_saves_and_says_why_nothing_runs(admin: User) -> None:
    client = signed_in(admin)
    response = client.post(INVOICES, {"enabled": "on", "direction": "hubspot_to_quickbooks", "status_filter": ["open"]})
    page = flash(client, response)
    assert "Configuration saved. Syncs are paused: HubSpot is not connected" in page
    assert "Reconnect in Settings → Connections" in page
    assert InvoiceSyncSettings.objects.get(workspace=admin.workspace).enabled is True


def test_invoice_validation_errors_are_clear_and_keep_the_input(admin: User) -> None:
    response = signed_in(admin).post(INVOICES, {"enabled": "on", "direction": "hubspot_to_quickbooks",
                                                "sync_void_status": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Check at least one invoice status to sync (recommended: Open and Paid), or turn Invoice Sync off." in html
    # What was typed is still there: sync on, void on, skip off.
    assert is_checked(html, "enabled") and is_checked(html, "sync_void_status")
    assert not is_checked(html, "skip_integration_source")
    assert not any(is_checked(html, "status_filter", s) for s in ("draft", "open", "paid", "voided"))
    assert not InvoiceSyncSettings.objects.filter(workspace=admin.workspace).exists()


def test_the_other_direction_is_saved(admin: User) -> None:
    response = signed_in(admin).post(INVOICES, {"direction": "quickbooks_to_hubspot", "status_filter": ["open"]})
    assert response.status_code == 302
    from simplecommercesync.sync.types.invoices.models import InvoiceSyncSettings

    assert InvoiceSyncSettings.objects.get(workspace=admin.workspace).direction == "quickbooks_to_hubspot"


def test_member_reads_invoice_settings_but_cannot_save(member: User) -> None:
    client = signed_in(member)
    html = client.get(INVOICES).content.decode()
    assert '<fieldset class="plain" disabled>' in html and "Save Configuration" not in html
    assert "Only a workspace admin can change these settings." in html
    response = client.post(INVOICES, {"enabled": "on", "direction": "hubspot_to_quickbooks", "status_filter": ["open"]})
    assert response.status_code == 403
    assert not InvoiceSyncSettings.objects.filter(workspace=member.workspace).exists()


@pytest.mark.parametrize("path", [INVOICES, TAX, "/settings/sync/tax/refresh/", "/settings/sync/tax/mappings/"])
def test_every_settings_form_needs_the_csrf_token(admin: User, path: str) -> None:
    response = signed_in(admin, csrf_checks=True).post(path, {"direction": "hubspot_to_quickbooks"})
    assert response.status_code == 403


# -- Tax --------------------------------------------------------------------------------------


def test_tax_tab_without_connections_says_to_connect_first(admin: User) -> None:
    html = signed_in(admin).get(TAX).content.decode()
    assert "Connect HubSpot and QuickBooks in" in html
    assert "Refresh Cache</button>" in html and "disabled>Refresh Cache" in html


def test_tax_tab_for_a_us_company_offers_all_behaviors_taxable_recommended(admin: User) -> None:
    connect_both(admin.workspace)
    cache_tax_data(admin.workspace)
    html = signed_in(admin).get(TAX).content.decode()
    for label in ("Enable Tax Mapping", "Use Default Tax Code", "Mark as Taxable (TAX)", "Mark as Non-Taxable (NON)",
                  "Fail the Sync (Strict Mode)", "Refresh Cache", "Add Tax Mapping", "Current Mappings"):
        assert label in html, label
    assert is_checked(html, "unmapped_behavior", "taxable") and is_checked(html, "mapping_enabled")
    assert "Recommended" in html
    assert "US automated sales tax" in html
    assert "CA Sales Tax (7.25 %)" in html and '<option value="3">California</option>' in html
    assert 'data-testid="hidden-reason"' not in html


def test_non_us_company_hides_tax_and_non_with_the_reason(admin: User) -> None:
    connect_both(admin.workspace, EU_REALM, "Northwind Outfitters Ltd")
    cache_tax_data(admin.workspace, EU_REALM, us=False)
    client = signed_in(admin)
    html = client.get(TAX).content.decode()
    assert 'value="taxable"' not in html and 'value="non_taxable"' not in html
    assert "Mark as Taxable (TAX) and Mark as Non-Taxable (NON) are hidden: Northwind Outfitters Ltd is a non-US" in html
    # The saved default (Mark as Taxable) can't apply here; the page says so.
    assert "The saved choice, Mark as Taxable (TAX), doesn't apply to this company" in html
    response = client.post(TAX, {"mapping_enabled": "on", "unmapped_behavior": "taxable"})
    assert response.status_code == 400
    assert "are hidden: Northwind Outfitters Ltd is a non-US QuickBooks company" in response.content.decode()
    response = client.post(TAX, {"mapping_enabled": "on", "unmapped_behavior": "default_code",
                                 "default_tax_code_id": "10"})
    assert "Configuration saved." in flash(client, response)
    saved = TaxSettings.objects.get(workspace=admin.workspace)
    assert (saved.unmapped_behavior, saved.default_tax_code_id) == (UnmappedTaxBehavior.DEFAULT_CODE, "10")


def test_default_tax_code_must_be_chosen_and_input_is_kept(admin: User) -> None:
    connect_both(admin.workspace)
    cache_tax_data(admin.workspace)
    response = signed_in(admin).post(TAX, {"unmapped_behavior": "default_code", "default_tax_code_id": ""})
    assert response.status_code == 400
    html = response.content.decode().replace("\n", "")
    assert "Choose the default QuickBooks tax code, or pick another Unmapped Tax Behavior." in html
    assert is_checked(html, "unmapped_behavior", "default_code")
    assert not is_checked(html, "mapping_enabled")  # left unchecked, as sent
    assert not TaxSettings.objects.filter(workspace=admin.workspace).exists()


def test_strict_mode_saves(admin: User) -> None:
    connect_both(admin.workspace)
    client = signed_in(admin)
    response = client.post(TAX, {"mapping_enabled": "on", "unmapped_behavior": "strict"})
    assert "Configuration saved." in flash(client, response)
    assert TaxSettings.objects.get(workspace=admin.workspace).unmapped_behavior == UnmappedTaxBehavior.STRICT


def test_add_edit_and_delete_a_tax_mapping(admin: User) -> None:
    connect_both(admin.workspace)
    cache_tax_data(admin.workspace)
    client = signed_in(admin)
    response = client.post("/settings/sync/tax/mappings/", {"hubspot_tax_rate_id": "701",
                                                            "quickbooks_tax_code_id": "3", "active": "on"})
    page = flash(client, response)
    assert "Tax mapping added: CA Sales Tax (7.25 %) → California." in page
    mapping = TaxMapping.objects.get(workspace=admin.workspace)
    assert (mapping.hubspot_portal_id, mapping.quickbooks_realm_id, mapping.active) == (PORTAL, US_REALM, True)
    table = page.split('data-testid="tax-mappings"')[1]
    assert "CA Sales Tax (7.25 %)" in table and "California" in table and ">Active<" in table

    duplicate = client.post("/settings/sync/tax/mappings/", {"hubspot_tax_rate_id": "701",
                                                             "quickbooks_tax_code_id": "TAX", "active": "on"})
    assert duplicate.status_code == 400
    html = duplicate.content.decode()
    assert "This HubSpot tax rate is already mapped: edit its mapping in Current Mappings." in html
    assert '<option value="TAX" selected>TAX</option>' in html

    edit_url = f"/settings/sync/tax/mappings/{mapping.pk}/"
    assert "Edit tax mapping" in client.get(edit_url).content.decode()
    page = flash(client, client.post(edit_url, {"hubspot_tax_rate_id": "701", "quickbooks_tax_code_id": "NON"}))
    assert "Tax mapping saved: CA Sales Tax (7.25 %) → NON." in page
    assert ">Inactive<" in page.split('data-testid="tax-mappings"')[1]
    mapping.refresh_from_db()
    assert (mapping.quickbooks_tax_code_id, mapping.active) == ("NON", False)

    page = flash(client, client.post(f"/settings/sync/tax/mappings/{mapping.pk}/delete/"))
    assert "Tax mapping deleted" in page
    assert not TaxMapping.objects.filter(workspace=admin.workspace).exists()


def test_a_code_not_in_the_cache_is_refused_with_the_fix(admin: User) -> None:
    connect_both(admin.workspace)
    cache_tax_data(admin.workspace)
    response = signed_in(admin).post("/settings/sync/tax/mappings/", {"hubspot_tax_rate_id": "701",
                                                                      "quickbooks_tax_code_id": "999"})
    assert response.status_code == 400
    assert "That QuickBooks tax code isn&#x27;t in the cache: press Refresh Cache, then choose again." in (
        response.content.decode())


def test_refresh_cache_without_connections_says_how_to_fix(admin: User) -> None:
    client = signed_in(admin)
    page = flash(client, client.post("/settings/sync/tax/refresh/"))
    assert "Can&#x27;t refresh: HubSpot is not connected. Reconnect in Settings → Connections." in page


def test_member_sees_tax_read_only_and_every_write_is_403(member: User, admin: User) -> None:
    connect_both(member.workspace)
    cache_tax_data(member.workspace)
    mapping = TaxMapping.objects.create(workspace=member.workspace, hubspot_portal_id=PORTAL,
                                        quickbooks_realm_id=US_REALM, hubspot_tax_rate_id="701",
                                        quickbooks_tax_code_id="3")
    client = signed_in(member)
    html = client.get(TAX).content.decode()
    assert "CA Sales Tax (7.25 %)" in html and "Save Configuration" not in html
    assert "Add Tax Mapping</button>" not in html and ">Edit</a>" not in html and "Refresh Cache</button>" not in html
    for path, data in [
        (TAX, {"unmapped_behavior": "strict"}),
        ("/settings/sync/tax/refresh/", {}),
        ("/settings/sync/tax/mappings/", {"hubspot_tax_rate_id": "702", "quickbooks_tax_code_id": "3"}),
        (f"/settings/sync/tax/mappings/{mapping.pk}/", {"hubspot_tax_rate_id": "701", "quickbooks_tax_code_id": "NON"}),
        (f"/settings/sync/tax/mappings/{mapping.pk}/delete/", {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    mapping.refresh_from_db()
    assert mapping.quickbooks_tax_code_id == "3"
    assert TaxMapping.objects.count() == 1
    assert not TaxSettings.objects.filter(workspace=member.workspace).exists()


def test_another_workspaces_mapping_is_not_found(admin: User) -> None:
    from simplecommercesync.accounts.models import Role, Workspace

    other = Workspace.objects.create(name="Other")
    other_admin = User.objects.create_user("boss@other.example", "correct-horse-42", workspace=other, role=Role.ADMIN)
    mapping = TaxMapping.objects.create(workspace=admin.workspace, hubspot_portal_id=PORTAL,
                                        quickbooks_realm_id=US_REALM, hubspot_tax_rate_id="701",
                                        quickbooks_tax_code_id="3")
    client = signed_in(other_admin)
    assert client.post(f"/settings/sync/tax/mappings/{mapping.pk}/delete/").status_code == 404
    assert TaxMapping.objects.filter(pk=mapping.pk).exists()
