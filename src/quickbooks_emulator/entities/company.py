"""One QuickBooks company (realm): its entities and the generic create/read/update/delete/void,
query, change data capture, batch and requestid bookkeeping. It never sees an HTTP request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..clock import utcnow
from ..exceptions import (
    MALFORMED_INPUT,
    BatchTooLargeError,
    CdcWindowError,
    ObjectNotFoundError,
    QBOFault,
    QueryParseError,
    RequestParseError,
    RequiredParamMissingError,
    StaleObjectError,
    UnsupportedOperationError,
    malformed_input,
)
from ..money import cents
from ..query import Query, parse_query, project, run, validate_fields
from .accounts import AccountKind
from .base import SERVER_FIELDS, EntityKind, Record, clean
from .customers import CustomerKind
from .indexes import CompanyIndexes
from .items import ItemKind
from .payments import PaymentKind
from .profile import CompanyProfile
from .refunds import CreditMemoKind, RefundReceiptKind
from .taxes import TaxCodeKind, TaxRateKind
from .transactions import EstimateKind, InvoiceKind

logger = logging.getLogger(__name__)


class CompanyInfoKind(EntityKind):
    name = "CompanyInfo"
    creatable = False
    updatable = False
    queryable = frozenset({"CompanyName", "Country"})


class PreferencesKind(EntityKind):
    name = "Preferences"
    creatable = False
    updatable = False


KINDS: dict[str, EntityKind] = {
    kind.name: kind
    for kind in (
        CustomerKind(),
        ItemKind(),
        InvoiceKind(),
        EstimateKind(),
        PaymentKind(),
        CreditMemoKind(),
        RefundReceiptKind(),
        TaxCodeKind(),
        TaxRateKind(),
        AccountKind(),
        CompanyInfoKind(),
        PreferencesKind(),
    )
}
# Entities whose changes Intuit announces by webhook (TaxCode/TaxRate send none).
WEBHOOK_ENTITIES = frozenset(
    {"Customer", "Item", "Invoice", "Estimate", "Payment", "CreditMemo", "RefundReceipt"}
)
BATCH_MAX_ITEMS = 30
CDC_MAX_DAYS = 30
CDC_MAX_PER_ENTITY = 1000
ZERO = Decimal("0")


@dataclass(frozen=True)
class ChangeEvent:
    realm_id: str
    entity: str
    entity_id: str
    operation: str  # Create, Update, Delete, Void
    at: datetime


def entity_name(raw: str) -> str:
    """Canonical entity name from a URL segment (`invoice`) or a body key (`Invoice`)."""
    for name in KINDS:
        if name.lower() == raw.lower():
            return name
    raise UnsupportedOperationError(
        f"Unsupported entity: {raw} is not emulated", message="Unsupported Operation"
    )


class CompanyBackend:
    def __init__(
        self,
        realm_id: str,
        name: str,
        environment: str = "sandbox",
        profile: CompanyProfile | None = None,
        on_change: Callable[[ChangeEvent], None] | None = None,
    ) -> None:
        self.realm_id = realm_id
        self.name = name
        self.environment = environment
        self.profile = profile or CompanyProfile()
        self.on_change = on_change
        # Automated sales tax: state -> (TaxCode id, TaxRate id) the engine reports tax under.
        self.ast_rates: dict[str, tuple[str, str]] = {}
        self.records: dict[str, dict[str, Record]] = {name: {} for name in KINDS}
        self.next_ids: dict[str, int] = {name: 1 for name in KINDS}
        self.idempotent_responses: dict[str, tuple[int, dict[str, Any]]] = {}
        self.indexes = CompanyIndexes()

    @property
    def country(self) -> str:
        return self.profile.country

    def ast_rate(self, state: str) -> tuple[str, str] | None:
        return self.ast_rates.get(state)

    # -- lookups ---------------------------------------------------------------------------
    def kind(self, entity: str) -> EntityKind:
        return KINDS[entity]

    def live_records(self, entity: str) -> list[Record]:
        return [r for r in self.records[entity].values() if not r.deleted]

    def find(self, entity: str, entity_id: str) -> Record | None:
        record = self.records[entity].get(str(entity_id))
        return None if record is None or record.deleted else record

    def get(self, entity: str, entity_id: str) -> Record:
        record = self.find(entity, entity_id)
        if record is None:
            raise ObjectNotFoundError(
                f"Object Not Found : Something you're trying to use has been made inactive or "
                f"deleted. Check the fields with accounts, customers, items, vendors or "
                f"employees. {entity} Id={entity_id}"
            )
        return record

    def render(self, record: Record) -> dict[str, Any]:
        return self.kind(record.entity).render(self, record)

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        return self.render(self.get(entity, entity_id))

    def company_info(self) -> dict[str, Any]:
        return self.render(self.live_records("CompanyInfo")[0])

    def preferences(self) -> dict[str, Any]:
        return self.render(self.live_records("Preferences")[0])

    # -- money derived from other records ---------------------------------------------------
    def payments_linking(self, txn_id: str, txn_type: str) -> list[str]:
        """Ids of the payments applied to this invoice or using this credit memo."""
        return sorted(self.indexes.applied(txn_id, txn_type), key=int)

    def applied_to_invoice(self, invoice_id: str, excluding_payment: str | None = None) -> Decimal:
        return self._linked_total(invoice_id, "Invoice", excluding_payment)

    def credit_used(self, credit_memo_id: str, excluding_payment: str | None = None) -> Decimal:
        return self._linked_total(credit_memo_id, "CreditMemo", excluding_payment)

    def _linked_total(self, txn_id: str, txn_type: str, excluding_payment: str | None) -> Decimal:
        applied = self.indexes.applied(txn_id, txn_type)
        return sum(
            (amount for payment_id, amount in applied.items() if payment_id != excluding_payment),
            ZERO,
        )

    def refresh_open_amount(self, txn_type: str, txn_id: str) -> None:
        """Payments changed: the invoice's Balance (the credit memo's RemainingCredit) moves and
        the record counts as updated (CDC, webhooks)."""
        record = self.find(txn_type, txn_id)
        if record is None or record.voided:
            return
        open_amount = record.fields["TotalAmt"] - self._linked_total(txn_id, txn_type, None)
        if open_amount == record.fields.get("Balance"):
            return
        record.fields["Balance"] = open_amount
        rate = record.fields.get("ExchangeRate")
        record.fields["HomeBalance"] = cents(open_amount * rate) if isinstance(rate, Decimal) else open_amount
        if txn_type == "CreditMemo":
            record.fields["RemainingCredit"] = open_amount
        self.indexes.update(record)
        self._touch(record, "Update")

    def customer_balance(self, customer_id: str) -> Decimal:
        return self.indexes.balance(customer_id)

    # -- writes ----------------------------------------------------------------------------
    def insert(self, entity: str, fields: dict[str, Any], entity_id: str | None = None) -> Record:
        """Store a record as given (seeding read-only entities); no validation."""
        now = utcnow()
        record_id = entity_id or self._next_id(entity)
        record = Record(entity, record_id, 0, now, now, fields)
        self.records[entity][record_id] = record
        return record

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.render(self.create_record(entity, body))

    def create_record(self, entity: str, body: dict[str, Any]) -> Record:
        """Create without rendering (bulk generation skips the response body)."""
        kind = self.kind(entity)
        if not kind.creatable:
            raise UnsupportedOperationError(f"Operation Create is not supported for {entity}", element=entity)
        incoming = self._incoming(body)
        fields = kind.prepare(self, incoming, None)
        now = utcnow()
        record = Record(entity, self._next_id(entity), 0, now, now, fields)
        self.records[entity][record.id] = record
        self.indexes.update(record)
        kind.after_save(self, record, None)
        self._emit(record, "Create")
        return record

    def update(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = self.kind(entity)
        if not kind.updatable:
            raise UnsupportedOperationError(f"Operation Update is not supported for {entity}", element=entity)
        record = self._current(entity, body)
        incoming = self._incoming(body)
        if body.get("sparse") in (True, "true"):
            # Sparse update: only the fields sent change (the Line array is replaced whole).
            merged = kind.sparse_base(record)
            merged.update(incoming)
            incoming = merged
        previous = record.fields
        fields = kind.prepare(self, incoming, record)
        record.fields = fields
        self.indexes.update(record)
        kind.after_save(self, record, previous)
        self._touch(record, "Update")
        return self.render(record)

    def delete(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = self.kind(entity)
        if not kind.deletable:
            raise UnsupportedOperationError(
                f"Operation Delete is not supported for {entity}; make it inactive instead",
                element=entity,
            )
        record = self._current(entity, body)
        kind.before_delete(self, record)
        record.deleted = True
        self.indexes.update(record)
        kind.after_save(self, record, record.fields)
        self._touch(record, "Delete")
        return {"domain": "QBO", "status": "Deleted", "Id": record.id}

    def void(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = self.kind(entity)
        if not kind.voidable:
            raise UnsupportedOperationError(f"Operation Void is not supported for {entity}", element=entity)
        record = self._current(entity, body)
        previous = record.fields
        record.fields = kind.void(self, record)
        record.voided = True
        self.indexes.update(record)
        kind.after_save(self, record, previous)
        self._touch(record, "Void")
        return self.render(record)

    def write(self, entity: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """Dispatch like the URL does: create unless an Id is present, or the named operation."""
        if operation == "delete":
            return self.delete(entity, body)
        if operation == "void":
            return self.void(entity, body)
        if operation == "update" or body.get("Id") not in (None, "", 0, "0"):
            return self.update(entity, body)
        if operation in ("", "create"):
            return self.create(entity, body)
        raise UnsupportedOperationError(f"Unsupported operation: {operation}")

    # -- query, CDC, batch ---------------------------------------------------------------------
    def query(self, text: str) -> dict[str, Any]:
        query = parse_query(text)
        if query.entity not in KINDS:
            raise QueryParseError(
                f"QueryParserError: Invalid entity name {query.entity} (entity names are case sensitive)"
            )
        validate_fields(query, self.kind(query.entity).queryable)
        records = self.live_records(query.entity)
        if not any(c.field.lower() == "active" for c in query.conditions):
            # Name-list entities answer only active ones unless the query filters on Active.
            records = [r for r in records if r.fields.get("Active", True) is not False]
        page_records, total = run(query, records, self._query_view(query))
        if query.count:
            return {"totalCount": total}
        if not page_records:
            return {}
        page = [self.render(r) for r in page_records]
        if query.fields:
            page = [project(entity, query.fields) for entity in page]
        return {
            query.entity: page,
            "startPosition": query.start_position,
            "maxResults": len(page),
        }

    def _query_view(self, query: Query) -> Callable[[Record], dict[str, Any]]:
        """What WHERE/ORDERBY look at: stored fields, unless they name a field only rendering
        computes (Customer.Balance...), so big companies need not render every record."""
        names = {c.field.lower() for c in query.conditions} | {o.field.lower() for o in query.ordering}
        rendered_only = {name.lower() for name in self.kind(query.entity).computed}
        if any(name.split(".")[0] in rendered_only for name in names):
            return self.render
        with_metadata = any(name.startswith("metadata.") for name in names)

        def view(record: Record) -> dict[str, Any]:
            fields = {**record.fields, "Id": record.id}
            if with_metadata:
                fields["MetaData"] = record.envelope()["MetaData"]
            return fields

        return view

    def cdc(self, entities: list[str], changed_since: datetime) -> list[dict[str, Any]]:
        if changed_since < utcnow() - timedelta(days=CDC_MAX_DAYS):
            raise CdcWindowError(
                f"changedSince can't be more than {CDC_MAX_DAYS} days in the past",
                element="changedSince",
            )
        responses: list[dict[str, Any]] = []
        for raw in entities:
            entity = entity_name(raw)
            changed = sorted(
                (r for r in self.records[entity].values() if r.updated >= changed_since),
                key=lambda r: r.updated,
            )[:CDC_MAX_PER_ENTITY]
            if not changed:
                responses.append({})
                continue
            items = [{**r.envelope(), "status": "Deleted"} if r.deleted else self.render(r) for r in changed]
            for item in items:
                if item.get("status") == "Deleted":
                    item.pop("SyncToken", None)
                    item.pop("sparse", None)
            responses.append(
                {entity: items, "startPosition": 1, "maxResults": len(items), "totalCount": len(items)}
            )
        return responses

    def batch(self, items: list[Any]) -> list[dict[str, Any]]:
        if len(items) > BATCH_MAX_ITEMS:
            raise BatchTooLargeError(
                f"Batch request has {len(items)} items; the maximum is {BATCH_MAX_ITEMS}."
            )
        results: list[dict[str, Any]] = []
        for raw in items:
            if not isinstance(raw, dict):
                raise RequestParseError("Each BatchItemRequest must be an object")
            batch_id = str(raw.get("bId", ""))
            try:
                results.append({"bId": batch_id, **self._batch_item(raw)})
            except QBOFault as fault:
                results.append({"bId": batch_id, "Fault": fault.fault()})
            except MALFORMED_INPUT as exc:
                logger.exception("batch item %s: malformed input", batch_id)
                results.append({"bId": batch_id, "Fault": malformed_input(exc).fault()})
        return results

    def _batch_item(self, raw: dict[str, Any]) -> dict[str, Any]:
        if "Query" in raw:
            return {"QueryResponse": self.query(str(raw["Query"]))}
        operation = str(raw.get("operation") or "")
        entity_keys = [key for key in raw if key not in ("bId", "operation", "optionsData")]
        if len(entity_keys) != 1 or not isinstance(raw[entity_keys[0]], dict):
            raise RequestParseError("A batch item needs exactly one entity object or a Query")
        entity = entity_name(entity_keys[0])
        body = raw[entity_keys[0]]
        if operation not in ("create", "update", "delete", "void"):
            raise UnsupportedOperationError(f"Unsupported batch operation: {operation!r}")
        if operation == "create":
            return {entity: self.create(entity, body)}
        return {entity: self.write(entity, operation, body)}

    # -- idempotency -------------------------------------------------------------------------
    def remembered(self, request_id: str) -> tuple[int, dict[str, Any]] | None:
        return self.idempotent_responses.get(request_id)

    def remember(self, request_id: str, status: int, body: dict[str, Any]) -> None:
        self.idempotent_responses.setdefault(request_id, (status, body))

    # -- internals ---------------------------------------------------------------------------
    def _current(self, entity: str, body: dict[str, Any]) -> Record:
        entity_id = body.get("Id")
        if entity_id in (None, ""):
            raise RequiredParamMissingError("Required parameter Id is missing in the request", element="Id")
        record = self.get(entity, str(entity_id))
        sync_token = body.get("SyncToken")
        if sync_token in (None, ""):
            raise RequiredParamMissingError(
                "Required parameter SyncToken is missing in the request", element="SyncToken"
            )
        if str(sync_token) != str(record.sync_token):
            raise StaleObjectError(
                "Stale Object Error : You and root were working on this at the same time. "
                "root finished before you did, so your work was not saved.",
                element="SyncToken",
            )
        return record

    @staticmethod
    def _incoming(body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise RequestParseError("The request body must be a JSON object")
        cleaned = clean(body)
        return {k: v for k, v in cleaned.items() if k not in SERVER_FIELDS}

    def _next_id(self, entity: str) -> str:
        value = self.next_ids[entity]
        self.next_ids[entity] = value + 1
        return str(value)

    def touch(self, record: Record) -> None:
        """Another record's write changed this one (an invoice closing its estimate)."""
        self.indexes.update(record)
        self._touch(record, "Update")

    def _touch(self, record: Record, operation: str) -> None:
        record.sync_token += 1
        record.updated = max(utcnow(), record.updated)
        self._emit(record, operation)

    def _emit(self, record: Record, operation: str) -> None:
        if self.on_change is not None and record.entity in WEBHOOK_ENTITIES:
            self.on_change(ChangeEvent(self.realm_id, record.entity, record.id, operation, record.updated))

    def summary(self) -> dict[str, Any]:
        return {
            "realm_id": self.realm_id,
            "name": self.name,
            "environment": self.environment,
            "counts": {name: len(self.live_records(name)) for name in KINDS},
        }
