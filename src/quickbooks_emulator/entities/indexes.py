"""Incremental indexes of one company, so writes and reads stay O(1) per record in big companies:
names and DocNumbers (uniqueness), payments applied per invoice and credit memo, and customer
balances (open invoices, minus unapplied payments, minus remaining credit on credit memos)."""

from __future__ import annotations

from decimal import Decimal

from .base import Record
from .payments import LINKABLE, linked_amounts

ZERO = Decimal("0")
# (entity, field, case-insensitive): the values QuickBooks keeps unique.
UNIQUE_KEYS: dict[str, tuple[str, bool]] = {
    "Customer": ("DisplayName", True),
    "Item": ("Name", True),
    "Invoice": ("DocNumber", False),
    "Estimate": ("DocNumber", False),
    "CreditMemo": ("DocNumber", False),
    "RefundReceipt": ("DocNumber", False),
}
# What each record adds to its customer's open balance (RefundReceipt: nothing, it is cash).
BALANCE_FIELDS = {"Invoice": ("Balance", 1), "Payment": ("UnappliedAmt", -1), "CreditMemo": ("RemainingCredit", -1)}


class CompanyIndexes:
    def __init__(self) -> None:
        self._unique: dict[str, dict[str, str]] = {entity: {} for entity in UNIQUE_KEYS}
        self._unique_of: dict[tuple[str, str], str] = {}
        self._max_doc_number: dict[str, int] = {}
        # (txn type, id) -> payment id -> amount, and payment id -> (txn type, id) -> amount
        self._applied: dict[tuple[str, str], dict[str, Decimal]] = {}
        self._links_of: dict[str, dict[tuple[str, str], Decimal]] = {}
        self._balances: dict[str, Decimal] = {}  # customer id -> open balance
        self._contribution: dict[tuple[str, str], tuple[str, Decimal]] = {}

    # -- queries -----------------------------------------------------------------------------
    def holder(self, entity: str, value: str) -> str | None:
        """Id of the live record holding this unique value (DisplayName, Name, DocNumber)."""
        _, folded = UNIQUE_KEYS[entity]
        return self._unique[entity].get(value.lower() if folded else value)

    def max_doc_number(self, entity: str) -> int:
        return self._max_doc_number.get(entity, 0)

    def applied(self, txn_id: str, txn_type: str = "Invoice") -> dict[str, Decimal]:
        """Payment id -> amount applied to this invoice (or taken from this credit memo)."""
        return self._applied.get((txn_type, txn_id), {})

    def balance(self, customer_id: str) -> Decimal:
        return self._balances.get(customer_id, ZERO)

    # -- maintenance -------------------------------------------------------------------------
    def update(self, record: Record) -> None:
        """Re-index one record after it was created, changed, voided or deleted."""
        if record.entity in UNIQUE_KEYS:
            self._index_unique(record)
        if record.entity == "Payment":
            self._index_payment(record)
        if record.entity in BALANCE_FIELDS:
            self._index_balance(record)

    def _index_unique(self, record: Record) -> None:
        field, folded = UNIQUE_KEYS[record.entity]
        key = (record.entity, record.id)
        old = self._unique_of.pop(key, None)
        if old is not None and self._unique[record.entity].get(old) == record.id:
            del self._unique[record.entity][old]
        value = str(record.fields.get(field) or "")
        if record.deleted or not value:
            return
        folded_value = value.lower() if folded else value
        self._unique[record.entity][folded_value] = record.id
        self._unique_of[key] = folded_value
        if field == "DocNumber" and value.isdigit():
            self._max_doc_number[record.entity] = max(self.max_doc_number(record.entity), int(value))

    def _index_payment(self, record: Record) -> None:
        for key in self._links_of.pop(record.id, {}):
            self._applied.get(key, {}).pop(record.id, None)
        if record.deleted:
            return
        links = {
            (txn_type, txn_id): amount
            for txn_type in LINKABLE
            for txn_id, amount in linked_amounts(record.fields, txn_type).items()
        }
        self._links_of[record.id] = links
        for key, amount in links.items():
            self._applied.setdefault(key, {})[record.id] = amount

    def _index_balance(self, record: Record) -> None:
        key = (record.entity, record.id)
        old = self._contribution.pop(key, None)
        if old is not None:
            self._balances[old[0]] = self._balances.get(old[0], ZERO) - old[1]
        if record.deleted:
            return
        customer_id = str(record.fields["CustomerRef"]["value"])
        field, sign = BALANCE_FIELDS[record.entity]
        amount = sign * Decimal(str(record.fields.get(field, 0)))
        self._contribution[key] = (customer_id, amount)
        self._balances[customer_id] = self._balances.get(customer_id, ZERO) + amount
