"""Shared set-up of the page tests: connected-looking accounts and cached tax data, made through
the product's own models (the pages read these rows; no provider is called)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client

from simplecommercesync.accounts.models import User, Workspace
from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.sync.engine.errors import ErrorKind
from simplecommercesync.sync.engine.models import AttemptOutcome
from simplecommercesync.sync.engine.queue import Result, claim, finish, upsert_pending
from simplecommercesync.sync.mapping.tax_models import (
    HubSpotTaxRate,
    QuickBooksCompanyFacts,
    QuickBooksTaxCode,
    TaxModel,
)

PORTAL = "2468101"
US_REALM = "9341453050011001"
EU_REALM = "9341453050011003"


def signed_in(user: User, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client


def connect_both(workspace: Workspace, realm: str = US_REALM, company: str = "Northwind Outfitters LLC") -> None:
    vault = TokenVault()
    for provider, account, name in (("hubspot", PORTAL, "northwind.example"), ("quickbooks", realm, company)):
        Connection.objects.update_or_create(
            workspace=workspace, provider=provider,
            defaults={
                "status": Status.CONNECTED, "account_id": account, "account_name": name,
                "access_token_encrypted": vault.seal("access"), "refresh_token_encrypted": vault.seal("refresh"),
            },
        )


def cache_tax_data(workspace: Workspace, realm: str = US_REALM, *, us: bool = True) -> None:
    QuickBooksCompanyFacts.objects.update_or_create(
        workspace=workspace, quickbooks_realm_id=realm,
        defaults={"country": "US" if us else "GB",
                  "tax_model": TaxModel.US_AUTOMATED if us else TaxModel.PER_LINE_CODE},
    )
    HubSpotTaxRate.objects.create(workspace=workspace, hubspot_portal_id=PORTAL, rate_id="701",
                                  name="CA Sales Tax", percentage=Decimal("7.2500"))
    HubSpotTaxRate.objects.create(workspace=workspace, hubspot_portal_id=PORTAL, rate_id="702",
                                  name="NY Sales Tax", percentage=Decimal("8.8750"))
    codes = [("TAX", "TAX", None), ("NON", "NON", Decimal("0")), ("3", "California", Decimal("7.25"))] if us else [
        ("10", "20.0% S", Decimal("20")), ("11", "0.0% Z", Decimal("0"))]
    for code_id, name, percentage in codes:
        QuickBooksTaxCode.objects.create(workspace=workspace, quickbooks_realm_id=realm, code_id=code_id,
                                         name=name, percentage=percentage)


def input_tag(html: str, name: str, value: str | None = None) -> str:
    """The one <input> of this name (and value); fails the test if it isn't on the page."""
    import re

    for tag in re.findall(r"<input\b[^>]*>", html):
        if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag):
            return tag
    raise AssertionError(f"no input {name}={value} on the page")


def is_checked(html: str, name: str, value: str | None = None) -> bool:
    return " checked" in input_tag(html, name, value)


def settle(workspace: Workspace, sync_type: str, outcomes: dict[str, Result], portal: str = PORTAL) -> dict[str, int]:
    """Queue these source ids and end each with its result through the engine's own queue
    (upsert → claim → finish), so records and attempts are exactly what a drain leaves."""
    upsert_pending(workspace.pk, sync_type, portal, list(outcomes), requested_by="test")
    claimed = claim(workspace.pk, sync_type, limit=len(outcomes) + 10)
    ids = {}
    for record in claimed.records:
        finish(claimed, record, outcomes[record.source_id], run_id=None, trigger="test")
        ids[record.source_id] = record.pk
    return ids


def failed(kind: ErrorKind, message: str, label: str = "") -> Result:
    return Result(AttemptOutcome.FAILED, kind=kind, message=message, label=label)


def succeeded(destination_id: str, number: str, label: str = "", changes: dict[str, Any] | None = None) -> Result:
    return Result(AttemptOutcome.SUCCESS, action="created", destination_id=destination_id,
                  destination_label=number, label=label, changes=changes or {})
