"""What every QuickBooks → HubSpot sync shares (estimates → quotes, invoices → invoices): the
QuickBooks customer's HubSpot contact (by email, created when missing), each line's HubSpot
product (by SKU, exactly), the reverse tax mapping (QuickBooks code → HubSpot rate) and the
line items to create. Per-drain caches live in `context.cache`, so a batch reads each thing once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.providers.http.failures import NotSent
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.links import NewLink, store_links
from simplecommercesync.sync.engine.models import LinkKind, QuickBooksWrite, RecordLink, WriteState
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.customers import (
    CONTACT_PROPERTIES,
    contact_fingerprint,
    normalized_email,
)
from simplecommercesync.sync.mapping.tax import NON_TAXABLE, TAXABLE, company_facts, tax_settings
from simplecommercesync.sync.mapping.tax_models import (
    HubSpotTaxRate,
    QuickBooksTaxCode,
    ReverseUnmappedTaxBehavior,
    TaxMapping,
)
from simplecommercesync.sync.mapping.write_back import (
    GROUP,
    GROUP_LABEL,
    QB_ID,
    QB_NUMBER,
    WRITE_BACK_PROPERTIES,
)

CENT = Decimal("0.01")
PRODUCT_PROPERTIES = ("name", "hs_sku", "price")


def decimal_text(value: Any) -> str:
    """A number as plain text without trailing zeros ("2", "289.5"), for fingerprints and HubSpot."""
    try:
        number = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return "0"
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def qbo_time(entity: dict[str, Any]) -> datetime | None:
    raw = ((entity.get("MetaData") or {}).get("LastUpdatedTime")) or ""
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(UTC) if raw else None
    except ValueError:
        return None


def hubspot_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def hubspot_date(day: str | None) -> str | None:
    """QuickBooks YYYY-MM-DD → HubSpot datetime (midnight UTC)."""
    return f"{day}T00:00:00Z" if day else None


# -- QuickBooks reads ---------------------------------------------------------------------------
def quickbooks_entities(context: SyncContext, entity: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Id → entity, read 40 ids per query and cached for the drain (deleted ones are absent)."""
    cache: dict[str, dict[str, Any]] = context.cache.setdefault(f"qbo:{entity}", {})
    wanted = [i for i in dict.fromkeys(str(i) for i in ids if i) if i not in cache]
    quote = context.quickbooks.quote
    for start in range(0, len(wanted), 40):
        chunk = wanted[start:start + 40]
        context.checkpoint()
        for found in context.quickbooks.query(entity, f"Id IN ({', '.join(quote(i) for i in chunk)})"):
            cache[str(found["Id"])] = found
    return {i: cache[i] for i in dict.fromkeys(str(i) for i in ids if i) if i in cache}


def forget(context: SyncContext, entity: str, entity_id: str) -> None:
    context.cache.get(f"qbo:{entity}", {}).pop(str(entity_id), None)


# -- contacts ------------------------------------------------------------------------------------
@dataclass
class ContactMatch:
    contact_id: str
    created: bool = False


def contact_for_customer(context: SyncContext, customer: dict[str, Any]) -> ContactMatch:
    """The HubSpot contact of a QuickBooks customer: the customer link, else the contact with its
    email (any case), else a new contact; `SyncFailure` when the customer has no email."""
    customer_id = str(customer["Id"])
    link = RecordLink.objects.filter(
        workspace_id=context.workspace_id, kind=LinkKind.CUSTOMER, hubspot_portal_id=context.portal_id,
        quickbooks_realm_id=context.realm_id, quickbooks_id=customer_id,
    ).first()
    if link is not None:
        return ContactMatch(link.hubspot_id)
    email = normalized_email((customer.get("PrimaryEmailAddr") or {}).get("Address"))
    name = str(customer.get("DisplayName") or customer_id)
    if not email:
        raise errors.SyncFailure(mapping_errors.QUICKBOOKS_EMAIL_MISSING,
                                 f"Customer email missing: QuickBooks customer {name} has no email address.")
    context.checkpoint()
    found = context.hubspot.read_by_unique("contacts", "email", [email], CONTACT_PROPERTIES).get(email)
    created = False
    if found is None:
        properties = {"email": email}
        for source, target in (("GivenName", "firstname"), ("FamilyName", "lastname"), ("CompanyName", "company")):
            if str(customer.get(source) or "").strip():
                properties[target] = str(customer[source]).strip()
        if "firstname" not in properties and "lastname" not in properties:
            first, _, last = name.partition(" ")
            properties["firstname"] = first
            if last:
                properties["lastname"] = last
        context.checkpoint()
        found = context.hubspot.batch_create("contacts", [{"properties": properties}])[0]
        created = True
    contact_id = str(found["id"])
    # A contact already linked to another QuickBooks customer keeps that link; this one is used as is.
    if not RecordLink.objects.filter(
        workspace_id=context.workspace_id, kind=LinkKind.CUSTOMER, hubspot_portal_id=context.portal_id,
        quickbooks_realm_id=context.realm_id, hubspot_id=contact_id,
    ).exists():
        store_links(context, [NewLink(LinkKind.CUSTOMER, contact_id, customer_id,
                                      contact_fingerprint(found.get("properties") or {}), label=name)])
    return ContactMatch(contact_id, created)


# -- products and tax ------------------------------------------------------------------------------
class HubSpotProducts:
    """Per-drain cache of HubSpot products by exact SKU (HubSpot's search ignores case)."""

    def __init__(self, context: SyncContext) -> None:
        self.context = context
        self.by_lower: dict[str, list[dict[str, Any]]] = {}

    def load(self, skus: Sequence[str]) -> None:
        missing = [s for s in dict.fromkeys(skus) if s and s.lower() not in self.by_lower]
        if not missing:
            return
        for sku in missing:
            self.by_lower[sku.lower()] = []
        self.context.checkpoint()
        for product in self.context.hubspot.search_in("products", "hs_sku", missing, PRODUCT_PROPERTIES):
            sku = str((product.get("properties") or {}).get("hs_sku") or "")
            self.by_lower.setdefault(sku.lower(), []).append(product)

    def find(self, sku: str) -> dict[str, Any]:
        candidates = self.by_lower.get(sku.lower()) or []
        exact = sorted((p for p in candidates if (p.get("properties") or {}).get("hs_sku") == sku),
                       key=lambda p: int(p["id"]) if str(p["id"]).isdigit() else 0)
        if exact:
            return exact[0]
        if candidates:
            other = (candidates[0].get("properties") or {}).get("hs_sku")
            raise errors.SyncFailure(mapping_errors.HUBSPOT_SKU_NOT_FOUND,
                                     f"SKU not found in HubSpot: {sku} (HubSpot has {other} — SKUs match exactly)")
        raise errors.SyncFailure(mapping_errors.HUBSPOT_SKU_NOT_FOUND, f"SKU not found in HubSpot: {sku}")


class ReverseTax:
    """QuickBooks tax code → HubSpot tax rate id, through the active mappings of this pair.

    US companies (automated sales tax) mark lines TAX/NON and carry the jurisdiction on the
    transaction (`TxnTaxDetail.TxnTaxCodeRef`); other companies put the code on each line
    (developer.intuit.com, "Manage sales tax for US locales" / "… for non-US locales").

    Automated sales tax names its own code for the destination (e.g. "CA (automated sales tax)"),
    not the code a mapping names ("California"), and a HubSpot rate maps to one code only. So a
    jurisdiction no mapping names is matched by what it charges: the transaction's tax percent
    (`TxnTaxDetail.TaxLine[].TaxLineDetail.TaxPercent`, summed over its jurisdictions) equal to
    the percentage of exactly one mapped HubSpot rate (docs/tax.md).
    """

    def __init__(self, context: SyncContext) -> None:
        self.us = company_facts(context).tax_model == "us_automated"
        self.settings = tax_settings(context.workspace_id)
        self.rates: dict[str, str] = {}
        for mapping in TaxMapping.objects.filter(
            workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, active=True,
        ).order_by("hubspot_tax_rate_id"):
            self.rates.setdefault(mapping.quickbooks_tax_code_id, mapping.hubspot_tax_rate_id)
        cached = {r.rate_id: r for r in HubSpotTaxRate.objects.filter(
            workspace_id=context.workspace_id, hubspot_portal_id=context.portal_id, active=True)}
        self.rate_names = {rate_id: f"{rate.name} ({rate.percentage.normalize()} %)" for rate_id, rate in cached.items()}
        self.by_percent: dict[Decimal, list[str]] = {}
        for rate_id in sorted(set(self.rates.values())):
            if rate_id in cached:
                self.by_percent.setdefault(cached[rate_id].percentage.normalize(), []).append(rate_id)
        self.code_names = dict(QuickBooksTaxCode.objects.filter(
            workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id).values_list("code_id", "name"))
        self.notes: list[str] = []

    def rate_for(self, line_code: str, jurisdiction: str, percent: Decimal | None = None) -> str | None:
        code = line_code
        if self.us:
            if line_code == NON_TAXABLE or not line_code:
                return None
            code = jurisdiction or TAXABLE
        if not code:
            return None
        if self.settings.mapping_enabled and code in self.rates:
            return self.rates[code]
        name = self.code_names.get(code) or code
        if self.us and jurisdiction and self.settings.mapping_enabled and percent is not None:
            same = self.by_percent.get(percent.normalize(), [])
            if len(same) == 1:
                self._note(f"QuickBooks' automated sales tax ({name}, {percent.normalize()} %) took the mapped "
                           f"HubSpot tax rate with the same percentage, {self.rate_names.get(same[0], same[0])}.")
                return same[0]
            if len(same) > 1:
                self._note(f"Several mapped HubSpot tax rates charge {percent.normalize()} %, like QuickBooks' "
                           f"{name}; map that code to one of them in Settings → Sync → Tax.")
        if self.settings.reverse_unmapped_behavior == ReverseUnmappedTaxBehavior.STRICT:
            raise errors.SyncFailure(mapping_errors.UNMAPPED_TAX_CODE,
                                     f"Unmapped tax code: QuickBooks tax code {name} has no HubSpot tax rate "
                                     "(Strict Mode).")
        self._note(f"QuickBooks tax code {name} has no HubSpot tax rate; the line has none.")
        return None

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)


@dataclass
class WantedLine:
    """A HubSpot line item to create, from one QuickBooks sales line."""

    properties: dict[str, str]

    @property
    def signature(self) -> tuple[str, ...]:
        p = self.properties
        return (p.get("hs_sku", ""), decimal_text(p.get("quantity")), decimal_text(p.get("price")),
                p.get("hs_tax_rate_group_id", ""))


def wanted_lines(context: SyncContext, entity: dict[str, Any], reverse_tax: ReverseTax) -> list[WantedLine]:
    """The HubSpot line items for a QuickBooks estimate or invoice (every SKU must exist in HubSpot)."""
    sales = [line for line in entity.get("Line") or [] if line.get("DetailType") == "SalesItemLineDetail"]
    if not sales:
        raise errors.SyncFailure(errors.VALIDATION_ERROR, "The QuickBooks document has no item lines.")
    item_ids = [str((line["SalesItemLineDetail"].get("ItemRef") or {}).get("value") or "") for line in sales]
    items = quickbooks_entities(context, "Item", item_ids)
    products: HubSpotProducts = context.cache.setdefault("hubspot_products", HubSpotProducts(context))
    products.load([str(item.get("Sku") or "") for item in items.values()])
    jurisdiction = str(((entity.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef") or {}).get("value") or "")
    percent = tax_percent(entity)
    currency = str((entity.get("CurrencyRef") or {}).get("value") or "")
    lines: list[WantedLine] = []
    for position, (line, item_id) in enumerate(zip(sales, item_ids, strict=True), start=1):
        detail = line["SalesItemLineDetail"]
        item = items.get(item_id)
        if item is None:
            raise errors.SyncFailure(mapping_errors.HUBSPOT_SKU_NOT_FOUND,
                                     f"SKU not found in HubSpot: QuickBooks item {item_id} no longer exists")
        sku = str(item.get("Sku") or "").strip()
        if not sku:
            raise errors.SyncFailure(mapping_errors.HUBSPOT_SKU_NOT_FOUND,
                                     f"SKU not found in HubSpot: QuickBooks item “{item.get('Name')}” has no SKU")
        product = products.find(sku)
        quantity = Decimal(str(detail.get("Qty") or 1))
        price = detail.get("UnitPrice")
        if price in (None, ""):
            price = (Decimal(str(line.get("Amount") or 0)) / quantity).quantize(CENT) if quantity else 0
        properties = {
            "name": str(line.get("Description") or item.get("Name") or sku)[:500],
            "hs_sku": sku, "quantity": decimal_text(quantity), "price": decimal_text(price),
            "hs_product_id": str(product["id"]), "hs_position_on_quote": str(position),
        }
        if currency:
            properties["hs_line_item_currency_code"] = currency
        rate = reverse_tax.rate_for(str((detail.get("TaxCodeRef") or {}).get("value") or ""), jurisdiction, percent)
        if rate:
            properties["hs_tax_rate_group_id"] = rate
        lines.append(WantedLine(properties))
    return lines


def tax_percent(entity: dict[str, Any]) -> Decimal | None:
    """What the transaction's tax charges, in percent: its tax lines' `TaxPercent` summed (state,
    county, city… under automated sales tax); None without percent-based tax lines."""
    total: Decimal | None = None
    for line in (entity.get("TxnTaxDetail") or {}).get("TaxLine") or []:
        detail = line.get("TaxLineDetail") or {}
        if not detail.get("PercentBased", True) or detail.get("TaxPercent") in (None, ""):
            continue
        try:
            total = (total or Decimal("0")) + Decimal(str(detail["TaxPercent"]))
        except InvalidOperation:
            return None
    return total if total is not None and total.is_finite() else None


def association(to_id: str, type_id: int) -> dict[str, Any]:
    """An inline association of a create (HubSpot's default, HUBSPOT_DEFINED type ids)."""
    return {"to": {"id": str(to_id)}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}


def create_line_items(context: SyncContext, lines: Sequence[WantedLine], parent_id: str, type_id: int) -> list[str]:
    context.checkpoint()
    created = context.hubspot.batch_create(
        "line_items", [{"properties": line.properties, "associations": [association(parent_id, type_id)]}
                       for line in lines])
    return [str(c["id"]) for c in created]


def current_line_signatures(lines: Iterable[dict[str, Any]]) -> list[tuple[str, ...]]:
    signatures: list[tuple[str, ...]] = []
    for line in lines:
        p = line.get("properties") or {}
        signatures.append((str(p.get("hs_sku") or ""), decimal_text(p.get("quantity")), decimal_text(p.get("price")),
                           str(p.get("hs_tax_rate_group_id") or "")))
    return signatures


# -- exactly-once creates in HubSpot -----------------------------------------------------------------
# HubSpot has no idempotency key for creates (API_NOTES: "a create has no idempotency key"). So a
# create is journaled first (a `QuickBooksWrite` row with operation "hubspot:create:<type>", never
# replayed to QuickBooks) and the new object carries the QuickBooks id in our own property. The row
# is answered in the transaction that stores the link; a row still `sent` when the record comes
# back means a worker died between HubSpot's answer and the link, so HubSpot is searched for the
# object carrying that QuickBooks id and the object found is adopted instead of created again.
HUBSPOT_CREATE = "hubspot:create:"
# HubSpot's search shows new writes "after a short delay" (CRM search guide): within this time of
# a create that may have happened, finding nothing is no proof that nothing was created.
SEARCH_SETTLE = timedelta(seconds=30)
# Our clock and HubSpot's `createdate` may disagree a little; an object created earlier than its
# journal row (less this) can't be the one that row sent.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Stamp:
    """Our property on a HubSpot object type that holds the QuickBooks id it was made from, and
    the write-back properties of the "SimpleCommerceSync" group created with it on first use."""

    object_type: str
    id_property: str
    number_property: str
    definitions: tuple[dict[str, str], ...]


INVOICE_STAMP = Stamp("invoices", QB_ID, QB_NUMBER, WRITE_BACK_PROPERTIES)
ESTIMATE_ID, ESTIMATE_NUMBER = "scs_quickbooks_estimate_id", "scs_quickbooks_estimate_number"
QUOTE_STAMP = Stamp("quotes", ESTIMATE_ID, ESTIMATE_NUMBER, (
    {"name": ESTIMATE_ID, "label": "QuickBooks estimate ID", "type": "string", "fieldType": "text"},
    {"name": ESTIMATE_NUMBER, "label": "QuickBooks estimate number", "type": "string", "fieldType": "text"},
))


class SearchNotSettled(Exception):
    """A create may have happened moments ago and HubSpot's search can't show it yet: try later."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass
class Created:
    """The HubSpot object a create made (or the one a dead worker's create made, adopted)."""

    object: dict[str, Any]
    journal: list[int]  # answered with the link
    adopted: bool = False

    @property
    def id(self) -> str:
        return str(self.object["id"])


def ensure_stamp(context: SyncContext, stamp: Stamp) -> None:
    """The write-back properties exist (checked once per drain, as invoices.py does)."""
    key = f"stamp_ready:{stamp.object_type}"
    if not context.cache.get(key):
        context.checkpoint()
        context.hubspot.ensure_properties(stamp.object_type, GROUP, GROUP_LABEL, stamp.definitions)
        context.cache[key] = True


def _unanswered_creates(context: SyncContext, stamp: Stamp, record_id: int) -> list[QuickBooksWrite]:
    rows = QuickBooksWrite.objects.filter(
        workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id, state=WriteState.SENT,
        operation=f"{HUBSPOT_CREATE}{stamp.object_type}",
    ).order_by("pk")
    return [row for row in rows if str((row.body or {}).get("portal")) == str(context.portal_id)
            and any(int(e["record"]) == record_id for e in row.record_ids)]


def adopt_orphan(context: SyncContext, stamp: Stamp, record_id: int, quickbooks_id: str,
                 kind: str) -> Created | None:
    """The object a dead worker's create made for this record, if its journal says it may exist.

    None when no create is in doubt, or when HubSpot's search (settled) shows none: the doubtful
    rows are then answered, and the caller creates. `SearchNotSettled` while search may still lag.
    """
    rows = _unanswered_creates(context, stamp, record_id)
    if not rows:
        return None
    context.checkpoint()
    found = context.hubspot.search_in(stamp.object_type, stamp.id_property, [quickbooks_id],
                                      ("createdate", stamp.id_property))
    earliest = rows[0].created_at - CLOCK_SKEW
    ids = [str(f["id"]) for f in found]
    linked = set(RecordLink.objects.filter(
        workspace_id=context.workspace_id, kind=kind, hubspot_portal_id=context.portal_id,
        quickbooks_realm_id=context.realm_id, hubspot_id__in=ids).values_list("hubspot_id", flat=True))
    candidates = sorted(
        (f for f in found
         if str((f.get("properties") or {}).get(stamp.id_property) or "") == quickbooks_id
         and str(f["id"]) not in linked
         and (hubspot_time((f.get("properties") or {}).get("createdate")) or earliest) >= earliest),
        key=lambda f: int(f["id"]) if str(f["id"]).isdigit() else 0)
    if candidates:
        return Created(candidates[0], [row.pk for row in rows], adopted=True)
    waited = timezone.now() - rows[-1].created_at
    if waited < SEARCH_SETTLE:
        raise SearchNotSettled(
            f"A HubSpot {stamp.object_type[:-1]} for this record may have been created moments ago and HubSpot's "
            "search doesn't show it yet; checking again shortly so it isn't created twice.",
            (SEARCH_SETTLE - waited).total_seconds())
    with transaction.atomic():
        QuickBooksWrite.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=WriteState.ANSWERED, answered_at=timezone.now())
    return None


def create_once(context: SyncContext, stamp: Stamp, record_id: int, kind: str, quickbooks_id: str,
                properties: dict[str, str], associations: list[dict[str, Any]]) -> Created:
    """Create one HubSpot object for a QuickBooks one, exactly once across dead workers: adopt the
    object a dead worker's create made, else journal, then create it stamped with `quickbooks_id`.
    Store its link with `store_links(..., answered_writes=created.journal)`."""
    ensure_stamp(context, stamp)
    adopted = adopt_orphan(context, stamp, record_id, quickbooks_id, kind)
    if adopted is not None:
        return adopted
    stamped = {**properties, stamp.id_property: quickbooks_id}
    context.checkpoint()
    context.hold_lease([record_id])
    row = QuickBooksWrite.objects.create(
        workspace_id=context.workspace_id, quickbooks_realm_id=context.realm_id,
        request_id=f"hs-{uuid.uuid4().hex}", operation=f"{HUBSPOT_CREATE}{stamp.object_type}",
        body={"portal": str(context.portal_id), "properties": stamped},
        record_ids=[{"record": record_id, "kind": kind, "hubspot_id": "", "fingerprint": quickbooks_id}],
    )
    try:
        created = context.hubspot.batch_create(stamp.object_type, [{"properties": stamped,
                                                                    "associations": associations}])
    except (Rejected, NotSent):
        # Refused, or never sent: nothing was created.
        QuickBooksWrite.objects.filter(pk=row.pk).update(state=WriteState.ANSWERED, answered_at=timezone.now())
        raise
    return Created(created[0], [row.pk])
