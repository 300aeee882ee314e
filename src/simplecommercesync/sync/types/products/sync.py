"""Products, either way (https://developers.hubspot.com/docs/api/crm/products and
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item).

Settings → Sync → Products names the source of truth (Sync Direction). Per product: read it
(HubSpot batch read of ≤ 100, or one QuickBooks `Id IN (…)` query) → skip it when it has no SKU
→ find its twin on the other side: the record link, else the exact SKU (case-sensitive) → map
the fields (product_fields.py) → create the twin when the SKU is missing there, update it when a
mapped value differs, else do nothing. The fingerprint of what we'd write is kept on the link:
the same content never causes a second write, so our own writes can't echo back.

`plan()` decides without writing anything (Preview uses it); `process()` plans and writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from simplecommercesync.providers.http.failures import PartialBatchFailure
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, links_by_hubspot_id, store_links
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    LinkKind,
    RecordLink,
    SourceSide,
    SyncDirection,
    SyncRecord,
)
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result, claimable
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    replay_unanswered,
    write_batch,
    write_one,
)
from simplecommercesync.sync.types.products import errors as product_errors
from simplecommercesync.sync.types.products.fields import (
    FieldMapping,
    added_mappings,
    changed_fields,
    fingerprint_of,
    hubspot_properties_read,
    item_values,
    product_values,
    same_values,
)
from simplecommercesync.sync.types.products.models import ProductSyncSettings

logger = logging.getLogger(__name__)
IN_CHUNK = 40  # values per QuickBooks `IN (…)` query, as for invoices' SKU lookups
QBO_BATCH = 30  # Intuit batch: at most 30 operations per request


def product_settings(workspace_id: int) -> ProductSyncSettings:
    settings, _ = ProductSyncSettings.objects.get_or_create(workspace_id=workspace_id)
    return settings


def source_side_of(direction: str) -> str:
    return SourceSide.HUBSPOT if direction == SyncDirection.HUBSPOT_TO_QUICKBOOKS else SourceSide.QUICKBOOKS


def label_of(sku: str, name: str) -> str:
    return " · ".join(p for p in (sku, name) if p)[:255] or "Product"


@dataclass
class ProductPlan:
    """What one record would do: create, update, link (same values already), unchanged, skip or fail."""

    record: SyncRecord
    action: str  # create | update | link | unchanged | skip | fail
    label: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    target_id: str = ""  # the other side's id when known
    current: dict[str, Any] = field(default_factory=dict)  # the other side's values now
    sync_token: str = ""
    note: str = ""
    failure: errors.SyncFailure | None = None

    @property
    def writes(self) -> bool:
        return self.action in ("create", "update")


# -- shared lookups ---------------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def query_items(context: SyncContext, field_name: str, values: Iterable[str]) -> list[dict[str, Any]]:
    """QuickBooks items whose `field_name` is one of `values`, active or not, ≤ 40 per query."""
    wanted = [v for v in dict.fromkeys(values) if v]
    quote = context.quickbooks.quote
    found: list[dict[str, Any]] = []
    for chunk in _chunks(wanted, IN_CHUNK):
        context.checkpoint()
        where = f"{field_name} IN ({', '.join(quote(v) for v in chunk)}) AND Active IN (true, false)"
        found.extend(context.quickbooks.query("Item", where))
    return found


def links_by_quickbooks_id(context: SyncContext, quickbooks_ids: Iterable[str]) -> dict[str, RecordLink]:
    ids = list(dict.fromkeys(str(i) for i in quickbooks_ids))
    return {
        link.quickbooks_id: link
        for link in RecordLink.objects.filter(
            workspace_id=context.workspace_id, kind=LinkKind.PRODUCT, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, quickbooks_id__in=ids,
        )
    }


def default_income_account(context: SyncContext) -> str | None:
    """The company's product income account: "Sales of Product Income" if it has one, else its
    first active Income account (Intuit: Service and NonInventory items need an IncomeAccountRef)."""
    if "income_account" not in context.cache:
        context.checkpoint()
        accounts = list(context.quickbooks.query("Account", "AccountType = 'Income' AND Active = true"))
        preferred = sorted(accounts, key=lambda a: (a.get("AccountSubType") != "SalesOfProductIncome",
                                                    _numeric(a.get("Id"))))
        context.cache["income_account"] = str(preferred[0]["Id"]) if preferred else None
    chosen: str | None = context.cache["income_account"]
    return chosen


def _numeric(value: Any) -> tuple[int, str]:
    text = str(value or "")
    return (int(text), text) if text.isdigit() else (1 << 62, text)


# -- the handler ------------------------------------------------------------------------------


class ProductSync:
    def considered_ids(self, context: SyncContext, full: bool) -> list[str]:
        """What a run would take now, on the source side: the whole catalog for a full (or first)
        sync, else the records waiting; QuickBooks → HubSpot reads QuickBooks' items."""
        source = source_side_of(product_settings(context.workspace_id).direction)
        if not full:
            return list(dict.fromkeys(
                claimable(context.workspace_id, "products", timezone.now()).filter(source_side=source)
                .order_by("requested_at", "pk").values_list("source_id", flat=True)))
        context.checkpoint()
        if source == SourceSide.QUICKBOOKS:
            # The same catalog queue_catalog queues for a full sync.
            return [str(item["Id"]) for item in context.quickbooks.query("Item", "Active = true")]
        return [str(p["id"]) for p in context.hubspot.list_all("products", ["hs_sku"])]

    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        """Preview (planning.py): the same plan as a run, for ids of the current source side;
        nothing is written (no provider write, no link, no record)."""
        source = source_side_of(product_settings(context.workspace_id).direction)
        account = context.portal_id if source == SourceSide.HUBSPOT else context.realm_id
        # Unsaved stand-ins: planning keys its work by record pk, so each gets its own.
        records = [SyncRecord(pk=-(n + 1), workspace_id=context.workspace_id, sync_type="products",
                              source_side=source, source_account=account, source_id=str(source_id))
                   for n, source_id in enumerate(dict.fromkeys(source_ids))]
        rows: list[PlannedRow] = []
        for plan in self.plan(context, records):
            if plan.action == "fail":
                assert plan.failure is not None
                rows.append(PlannedRow(plan.record.source_id, plan.label, "fail",
                                       f"{plan.failure.kind.title}: {plan.failure.message}", plan.failure.kind.key))
            elif plan.action == "link":
                rows.append(PlannedRow(plan.record.source_id, plan.label, "unchanged",
                                       f"Same values already; would be linked to {plan.target_id}."))
            else:
                reason = plan.note
                if plan.action == "update":
                    reason = ", ".join(sorted(changed_fields(plan.current, plan.values))) or reason
                rows.append(PlannedRow(plan.record.source_id, plan.label, plan.action, reason))
        return rows

    def process(self, context: SyncContext, batch: Batch) -> None:
        plans = self.plan(context, batch.records, writing=True)
        for plan in plans:
            if plan.action in ("skip", "fail"):
                batch.finish(plan.record, self._result_without_write(plan))
        live = [p for p in plans if p.action not in ("skip", "fail")]
        if not live:
            return
        batch.keep_lease()
        if source_side_of(product_settings(context.workspace_id).direction) == SourceSide.HUBSPOT:
            results = self._write_quickbooks(context, live)
        else:
            results = self._write_hubspot(context, live)
        for plan in live:
            batch.finish(plan.record, results[plan.record.pk])

    # -- deciding (no writes) ----------------------------------------------------------------
    def plan(self, context: SyncContext, records: Sequence[SyncRecord], *, writing: bool = False) -> list[ProductPlan]:
        settings = product_settings(context.workspace_id)
        source = source_side_of(settings.direction)
        plans: list[ProductPlan] = []
        mine: list[SyncRecord] = []
        for record in records:
            # Preview (not writing) answers "what would switching it on do".
            if not settings.enabled and writing:
                plans.append(ProductPlan(record, "skip", note="Product sync is turned off (Settings → Sync → Products)."))
            elif record.source_side != source:
                side = "HubSpot" if record.source_side == SourceSide.HUBSPOT else "QuickBooks"
                plans.append(ProductPlan(record, "skip", note=(
                    f"Sync Direction is now {settings.get_direction_display()}: changes made in {side} "
                    "are not synced.")))
            else:
                mine.append(record)
        if mine and writing and source == SourceSide.HUBSPOT:
            self._settle_replays(context, mine)
        mappings = added_mappings(context.workspace_id)
        if source == SourceSide.HUBSPOT:
            plans.extend(self._plan_to_quickbooks(context, settings, mine, mappings))
        else:
            plans.extend(self._plan_to_hubspot(context, mine, mappings))
        return plans

    def _plan_to_quickbooks(self, context: SyncContext, settings: ProductSyncSettings,
                            records: list[SyncRecord], mappings: list[FieldMapping]) -> list[ProductPlan]:
        if not records:
            return []
        context.checkpoint()
        products = context.hubspot.batch_read("products", [r.source_id for r in records],
                                              hubspot_properties_read(mappings))
        links = links_by_hubspot_id(context, LinkKind.PRODUCT, [r.source_id for r in records])
        plans: list[ProductPlan] = []
        wanted: dict[int, dict[str, Any]] = {}
        for record in records:
            product = products.get(record.source_id)
            if product is None:
                plans.append(ProductPlan(record, "skip", note="Deleted in HubSpot; nothing to sync."))
                continue
            props = product.get("properties") or {}
            label = label_of(str(props.get("hs_sku") or "").strip(), str(props.get("name") or ""))
            if not str(props.get("hs_sku") or "").strip():
                plans.append(ProductPlan(record, "skip", label=label, note=(
                    "No SKU in HubSpot: products match by SKU, so this one is skipped. Add a SKU to the "
                    "product to sync it.")))
                continue
            try:
                wanted[record.pk] = item_values(props, mappings)
            except errors.SyncFailure as failure:
                plans.append(ProductPlan(record, "fail", label=label, failure=failure))
                continue
            if str(props.get("hs_product_type") or "") == "service":
                wanted[record.pk]["Type"] = "Service"
        live = [r for r in records if r.pk in wanted]
        by_id = {str(i["Id"]): i for i in query_items(
            context, "Id", [links[r.source_id].quickbooks_id for r in live if r.source_id in links])}
        by_sku: dict[str, list[dict[str, Any]]] = {}
        for found in query_items(context, "Sku", [wanted[r.pk]["Sku"] for r in live]):
            by_sku.setdefault(str(found.get("Sku") or ""), []).append(found)
        taken = links_by_quickbooks_id(context, [str(i["Id"]) for items in by_sku.values() for i in items])
        skus_seen: dict[str, str] = {}
        for record in live:
            values = wanted[record.pk]
            sku = values["Sku"]
            label = label_of(sku, values["Name"])
            plan = ProductPlan(record, "", label=label, values=values, fingerprint=fingerprint_of(values))
            if sku in skus_seen and skus_seen[sku] != record.source_id:
                plan.action, plan.failure = "fail", errors.SyncFailure(product_errors.SKU_NOT_UNIQUE, (
                    f"SKU used twice: HubSpot products {skus_seen[sku]} and {record.source_id} both have SKU {sku}."))
                plans.append(plan)
                continue
            skus_seen[sku] = record.source_id
            link = links.get(record.source_id)
            item = by_id.get(link.quickbooks_id) if link is not None else None
            if item is None:
                exact = sorted((i for i in by_sku.get(sku, []) if i.get("Sku") == sku),
                               key=lambda i: (not i.get("Active", True), _numeric(i.get("Id"))))
                item = exact[0] if exact else None
                holder = taken.get(str(item["Id"])) if item is not None else None
                if holder is not None and holder.hubspot_id != record.source_id:
                    plan.action, plan.failure = "fail", errors.SyncFailure(product_errors.SKU_NOT_UNIQUE, (
                        f"SKU used twice: QuickBooks item {item['Id'] if item else ''} (SKU {sku}) is already "
                        f"synced with HubSpot product {holder.hubspot_id}."))
                    plans.append(plan)
                    continue
            if item is None:
                plan.action = "create"
                account = settings.income_account_id or default_income_account(context)
                if not account:
                    plan.action, plan.failure = "fail", errors.SyncFailure(product_errors.INCOME_ACCOUNT_MISSING, (
                        "No income account: QuickBooks needs one for the new item and the company has no "
                        "active Income account."))
                else:
                    plan.values = {**values, "IncomeAccountRef": {"value": account}}
                    plan.values.setdefault("Type", "NonInventory")
                    others = [i for i in by_sku.get(sku, []) if i.get("Sku") != sku]
                    if others:
                        plan.note = (f"QuickBooks has SKU {others[0].get('Sku')}, which differs in case "
                                     f"(SKUs match exactly), so a new item with SKU {sku} is created.")
            else:
                plan.target_id, plan.sync_token = str(item["Id"]), str(item.get("SyncToken") or "0")
                plan.current = {k: item.get(k) for k in values}
                values_without_type = {k: v for k, v in values.items() if k != "Type"}
                if link is not None and link.quickbooks_id == plan.target_id and link.fingerprint == plan.fingerprint:
                    plan.action = "unchanged"
                elif same_values(item, values_without_type):
                    plan.action = "link" if link is None or link.quickbooks_id != plan.target_id else "unchanged"
                else:
                    plan.action = "update"
                    plan.values = values_without_type
            plans.append(plan)
        self._free_names(context, [p for p in plans if p.action == "create"])
        return plans

    def _free_names(self, context: SyncContext, creates: list[ProductPlan]) -> None:
        """QuickBooks item names are unique: a name another item holds gets the SKU appended."""
        if not creates:
            return
        holders = {str(i.get("Name") or "").lower(): i for i in query_items(
            context, "Name", [p.values["Name"] for p in creates])}
        used: set[str] = set()
        for plan in creates:
            name = str(plan.values["Name"])
            holder = holders.get(name.lower())
            if holder is None and name.lower() not in used:
                used.add(name.lower())
                continue
            sku = str(plan.values["Sku"])
            renamed = f"{name[:100 - len(sku) - 3]} ({sku})"
            plan.values["Name"] = renamed
            used.add(renamed.lower())
            other = f" (SKU {holder.get('Sku')})" if holder is not None and holder.get("Sku") else ""
            plan.note = " ".join(n for n in (plan.note, (
                f"QuickBooks already has an item named {name}{other}; item names are unique there, so the "
                f"new item is named {renamed}.")) if n)

    def _plan_to_hubspot(self, context: SyncContext, records: list[SyncRecord],
                         mappings: list[FieldMapping]) -> list[ProductPlan]:
        if not records:
            return []
        items = {str(i["Id"]): i for i in query_items(context, "Id", [r.source_id for r in records])}
        links = links_by_quickbooks_id(context, [r.source_id for r in records])
        catalog = self._hubspot_catalog(context, mappings)
        plans: list[ProductPlan] = []
        skus_seen: dict[str, str] = {}
        linked_products = {link.hubspot_id: link.quickbooks_id for link in RecordLink.objects.filter(
            workspace_id=context.workspace_id, kind=LinkKind.PRODUCT, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id)}
        for record in records:
            item = items.get(record.source_id)
            if item is None:
                plans.append(ProductPlan(record, "skip", note="Deleted in QuickBooks; nothing to sync."))
                continue
            sku = str(item.get("Sku") or "").strip()
            label = label_of(sku, str(item.get("Name") or ""))
            if not item.get("Active", True):
                plans.append(ProductPlan(record, "skip", label=label, note=(
                    "Inactive in QuickBooks (QuickBooks' way of deleting an item); nothing to sync.")))
                continue
            if not sku:
                plans.append(ProductPlan(record, "skip", label=label, note=(
                    "No SKU in QuickBooks: products match by SKU, so this item is skipped. Add a SKU to the "
                    "item to sync it.")))
                continue
            try:
                values = product_values(item, mappings)
            except errors.SyncFailure as failure:
                plans.append(ProductPlan(record, "fail", label=label, failure=failure))
                continue
            plan = ProductPlan(record, "", label=label, values=values, fingerprint=fingerprint_of(values))
            if sku in skus_seen and skus_seen[sku] != record.source_id:
                plan.action, plan.failure = "fail", errors.SyncFailure(product_errors.SKU_NOT_UNIQUE, (
                    f"SKU used twice: QuickBooks items {skus_seen[sku]} and {record.source_id} both have SKU {sku}."))
                plans.append(plan)
                continue
            skus_seen[sku] = record.source_id
            link = links.get(record.source_id)
            product = catalog["by_id"].get(link.hubspot_id) if link is not None else None
            if product is None:
                matches = sorted(catalog["by_sku"].get(sku, []), key=lambda p: _numeric(p.get("id")))
                product = matches[0] if matches else None
                if product is not None and linked_products.get(str(product["id"]), record.source_id) != record.source_id:
                    plan.action, plan.failure = "fail", errors.SyncFailure(product_errors.SKU_NOT_UNIQUE, (
                        f"SKU used twice: HubSpot product {product['id']} (SKU {sku}) is already synced with "
                        f"QuickBooks item {linked_products[str(product['id'])]}."))
                    plans.append(plan)
                    continue
                if len(matches) > 1:
                    plan.note = (f"Several HubSpot products have SKU {sku} (ids "
                                 f"{', '.join(str(p['id']) for p in matches)}); chose the oldest, {product['id'] if product else ''}.")
            if product is None:
                plan.action = "create"
            else:
                plan.target_id = str(product["id"])
                current = product.get("properties") or {}
                plan.current = {k: current.get(k) for k in values}
                if link is not None and link.hubspot_id == plan.target_id and link.fingerprint == plan.fingerprint:
                    plan.action = "unchanged"
                elif same_values(current, values):
                    plan.action = "link" if link is None or link.hubspot_id != plan.target_id else "unchanged"
                else:
                    plan.action = "update"
            plans.append(plan)
        return plans

    @staticmethod
    def _hubspot_catalog(context: SyncContext, mappings: list[FieldMapping]) -> dict[str, dict[str, Any]]:
        """Every HubSpot product, read once per drain in pages of 100: the list endpoint, unlike
        search, has no indexing lag (HubSpot search docs), so a product made a moment ago is found."""
        if "hubspot_products" not in context.cache:
            context.checkpoint()
            by_id: dict[str, dict[str, Any]] = {}
            by_sku: dict[str, list[dict[str, Any]]] = {}
            for product in context.hubspot.list_all("products", hubspot_properties_read(mappings)):
                by_id[str(product["id"])] = product
                sku = str((product.get("properties") or {}).get("hs_sku") or "").strip()
                if sku:
                    by_sku.setdefault(sku, []).append(product)
            context.cache["hubspot_products"] = {"by_id": by_id, "by_sku": by_sku}
        catalog: dict[str, dict[str, Any]] = context.cache["hubspot_products"]
        return catalog

    # -- writing ----------------------------------------------------------------------------
    @staticmethod
    def _result_without_write(plan: ProductPlan) -> Result:
        if plan.action == "fail":
            assert plan.failure is not None
            return Result(AttemptOutcome.FAILED, kind=plan.failure.kind, message=plan.failure.message,
                          label=plan.label)
        return Result(AttemptOutcome.SKIPPED, action="skipped", note=plan.note, label=plan.label)

    def _settle_replays(self, context: SyncContext, records: list[SyncRecord]) -> None:
        """QuickBooks writes a dead worker left in flight: replay them and keep their links."""
        outcomes = replay_unanswered(context, [r.pk for r in records])
        links = [NewLink(LinkKind.PRODUCT, o.entry.hubspot_id, str(o.entity["Id"]), o.entry.fingerprint,
                         str(o.entity.get("SyncToken") or ""), str(o.entity.get("Name") or ""))
                 for o in outcomes if o.entry.kind == LinkKind.PRODUCT and o.entity is not None]
        store_links(context, links, {o.journal_id for o in outcomes})

    def _write_quickbooks(self, context: SyncContext, plans: list[ProductPlan]) -> dict[int, Result]:
        results: dict[int, Result] = {}
        writes: list[tuple[ProductPlan, WriteEntry, str, dict[str, Any]]] = []
        new_links: list[NewLink] = []
        for plan in plans:
            entry = WriteEntry(plan.record.pk, LinkKind.PRODUCT, plan.record.source_id, plan.fingerprint)
            if plan.action == "create":
                writes.append((plan, entry, "create", plan.values))
            elif plan.action == "update":
                writes.append((plan, entry, "update", {**plan.values, "Id": plan.target_id,
                                                       "SyncToken": plan.sync_token, "sparse": True}))
            else:
                name = str(plan.values.get("Name") or plan.current.get("Name") or "")
                new_links.append(NewLink(LinkKind.PRODUCT, plan.record.source_id, plan.target_id, plan.fingerprint,
                                         plan.sync_token, name))
                note = plan.note if plan.action == "unchanged" else " ".join(
                    n for n in (plan.note, f"Linked to QuickBooks item {plan.target_id}, which already matched.") if n)
                results[plan.record.pk] = Result(
                    AttemptOutcome.SUCCESS, action="unchanged", label=plan.label, destination_id=plan.target_id,
                    destination_label=name, note=note)
        store_links(context, new_links)
        outcomes: list[tuple[ProductPlan, WriteOutcome]] = []
        if len(writes) == 1:
            plan, entry, verb, body = writes[0]
            outcomes.append((plan, write_one(context, "Item", verb, body, entry)))
        else:
            for start in range(0, len(writes), QBO_BATCH):
                chunk = writes[start:start + QBO_BATCH]
                answered = write_batch(context, [(entry, verb, "Item", body) for _, entry, verb, body in chunk])
                by_record = {o.entry.record_id: o for o in answered}
                outcomes.extend((plan, by_record[plan.record.pk]) for plan, *_ in chunk if plan.record.pk in by_record)
        written_links: list[NewLink] = []
        for plan, outcome in outcomes:
            if outcome.entity is None:
                results[plan.record.pk] = self._refused(plan, outcome.error)
                continue
            item = outcome.entity
            written_links.append(NewLink(LinkKind.PRODUCT, plan.record.source_id, str(item["Id"]), plan.fingerprint,
                                         str(item.get("SyncToken") or ""), str(item.get("Name") or "")))
            changes = ({"created": {k: v for k, v in plan.values.items() if k != "IncomeAccountRef"}}
                       if plan.action == "create" else changed_fields(plan.current, plan.values))
            results[plan.record.pk] = Result(
                AttemptOutcome.SUCCESS, action="created" if plan.action == "create" else "updated",
                label=plan.label, destination_id=str(item["Id"]), destination_label=str(item.get("Name") or ""),
                note=plan.note, changes=changes, request_ids=context.quickbooks.last_request_ids)
        store_links(context, written_links, {o.journal_id for _, o in outcomes})
        return results

    @staticmethod
    def _refused(plan: ProductPlan, error: Exception | None) -> Result:
        message = getattr(error, "message", None) or str(error) or "QuickBooks refused the item"
        code = str(getattr(error, "code", "") or "")
        element = str(getattr(error, "element", "") or "")
        # Intuit "Error codes": 5010 Stale Object Error — the item changed since we read it.
        if code == "5010":
            return Result(AttemptOutcome.RETRY, kind=errors.VALIDATION_ERROR, label=plan.label,
                          message="The QuickBooks item changed while we synced it; retrying with its new version.")
        if "IncomeAccountRef" in element or "income account" in message.lower():
            return Result(AttemptOutcome.FAILED, kind=product_errors.INCOME_ACCOUNT_MISSING, label=plan.label,
                          message=f"No income account: QuickBooks refused the one chosen ({message}).")
        return Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=plan.label,
                      message=f"QuickBooks refused the item: {message}")

    def _write_hubspot(self, context: SyncContext, plans: list[ProductPlan]) -> dict[int, Result]:
        results: dict[int, Result] = {}
        new_links: list[NewLink] = []
        creates = [p for p in plans if p.action == "create"]
        updates = [p for p in plans if p.action == "update"]
        for plan in plans:
            if plan.action in ("unchanged", "link"):
                new_links.append(NewLink(LinkKind.PRODUCT, plan.target_id, plan.record.source_id, plan.fingerprint,
                                         label=str(plan.values.get("name") or "")))
                note = plan.note if plan.action == "unchanged" else " ".join(
                    n for n in (plan.note, f"Linked to HubSpot product {plan.target_id}, which already matched.") if n)
                results[plan.record.pk] = Result(
                    AttemptOutcome.SUCCESS, action="unchanged", label=plan.label, destination_id=plan.target_id,
                    destination_label=str(plan.values.get("name") or ""), note=note)
        refused: dict[str, str] = {}
        if updates:
            context.checkpoint()
            try:
                context.hubspot.batch_update("products", {p.target_id: p.values for p in updates})
            except PartialBatchFailure as partial:
                for failure in partial.failures:
                    for failed_id in failure.ids or tuple(p.target_id for p in updates):
                        refused[failed_id] = failure.message
            for plan in updates:
                if plan.target_id in refused:
                    results[plan.record.pk] = Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR,
                                                     label=plan.label,
                                                     message=f"HubSpot refused the product: {refused[plan.target_id]}")
                    continue
                new_links.append(NewLink(LinkKind.PRODUCT, plan.target_id, plan.record.source_id, plan.fingerprint,
                                         label=str(plan.values.get("name") or "")))
                results[plan.record.pk] = Result(
                    AttemptOutcome.SUCCESS, action="updated", label=plan.label, destination_id=plan.target_id,
                    destination_label=str(plan.values.get("name") or ""), note=plan.note,
                    changes=changed_fields(plan.current, plan.values), request_ids=context.hubspot.last_request_ids)
        if creates:
            context.checkpoint()
            context.hold_lease(p.record.pk for p in creates)
            failure_message = ""
            try:
                created = context.hubspot.batch_create("products", [{"properties": p.values} for p in creates])
            except PartialBatchFailure as partial:
                created, failure_message = partial.results, partial.failures[0].message if partial.failures else ""
            by_sku = {str((c.get("properties") or {}).get("hs_sku") or "").strip(): c for c in created}
            for plan in creates:
                product = by_sku.get(str(plan.values["hs_sku"]))
                if product is None:
                    results[plan.record.pk] = Result(
                        AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR, label=plan.label,
                        message=f"HubSpot refused the product: {failure_message or 'no product came back'}")
                    continue
                new_links.append(NewLink(LinkKind.PRODUCT, str(product["id"]), plan.record.source_id,
                                         plan.fingerprint, label=str(plan.values.get("name") or "")))
                results[plan.record.pk] = Result(
                    AttemptOutcome.SUCCESS, action="created", label=plan.label, destination_id=str(product["id"]),
                    destination_label=str(plan.values.get("name") or ""), note=plan.note,
                    changes={"created": plan.values}, request_ids=context.hubspot.last_request_ids)
        store_links(context, new_links)
        return results
