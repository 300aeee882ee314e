"""HubSpot's commerce rules: line item amounts and tax, invoice and quote totals, the invoice
state machine, payments and refunds.

Sources: HubSpot's "Invoices API" guide (invoices start as draft; open needs a contact and line
items; amounts are calculated; payments move an invoice to paid), the "Line items API" guide
(a line item belongs to one parent object; `discount` is the unit discount), the "Quotes API"
guide (quotes start as DRAFT) and the Commerce Payments object reference. Where they are
silent the strict reading is taken; README.md lists each such choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING

from .events import ChangeSource
from .exceptions import ValidationError
from .objects import CrmObject
from .properties import MAX_NUMBER, PropertyProblem, invalid_properties

if TYPE_CHECKING:
    from .models import HubSpotBackend

CENT = Decimal("0.01")
ZERO = Decimal("0")
INVOICE_STATUSES = ("draft", "open", "paid", "voided")
# Payments whose money reached the merchant (less what went back) count towards an invoice.
COUNTED_PAYMENT_STATUSES = frozenset({"succeeded", "partially_refunded", "refunded"})
# Payment status moves an API client may write; refunds go through the refund operation.
PAYMENT_MOVES: dict[str, frozenset[str]] = {
    "processing": frozenset({"succeeded", "failed", "canceled"}),
    "succeeded": frozenset({"disputed"}),
    "partially_refunded": frozenset({"disputed"}),
}
PARENT_TYPES = ("invoices", "quotes")
INVOICE_NUMBER_START = 1001
# Changes HubSpot makes itself (totals, the paid status) are reported as calculated, not as
# the writer's: a sync that skips its own changes must still see an invoice become paid.
CALCULATED = ChangeSource("CALCULATED")


# Written numbers are below 10^15 (properties.MAX_NUMBER), so a product of two needs about
# 32 digits before it is rounded to the cent: calculations run with room to spare.
WIDE = Context(prec=80)


def money(value: Decimal) -> str:
    with localcontext(WIDE):
        rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return str(abs(rounded) if rounded.is_zero() else rounded)  # never "-0.00"


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal(text) if text else ZERO
    except InvalidOperation:
        return ZERO


def _problem(name: str, code: str, message: str, portal_id: int) -> ValidationError:
    return invalid_properties([PropertyProblem(name, code, message)], portal_id)


class Commerce:
    """The rules above, applied to one portal's backend."""

    def __init__(self, backend: HubSpotBackend) -> None:
        self.backend = backend
        self.next_invoice_number = INVOICE_NUMBER_START

    # -- checks before a write ----------------------------------------------------------------
    def check_create(self, object_type: str, values: dict[str, str]) -> None:
        portal = self.backend.portal.id
        if object_type == "invoices":
            status = values.setdefault("hs_invoice_status", "draft")
            if status != "draft":
                raise _problem("hs_invoice_status", "INVALID_INVOICE_STATUS",
                               "Invoices are created as draft. Associate a contact and line items, "
                               "then update hs_invoice_status to open.", portal)
        elif object_type == "quotes":
            status = values.setdefault("hs_status", "DRAFT")
            if status != "DRAFT":
                raise _problem("hs_status", "INVALID_QUOTE_STATUS",
                               "Quotes are created as DRAFT. Add line items, then update hs_status.",
                               portal)
        elif object_type == "line_items":
            self._check_line(values, values)
        elif object_type == "commerce_payments":
            status = values.setdefault("hs_latest_status", "succeeded")
            if status in ("refunded", "partially_refunded"):
                raise _problem("hs_latest_status", "INVALID_PAYMENT_STATUS",
                               "A payment is refunded by a refund, not by writing its status.",
                               portal)
            values.setdefault("hs_refunds_amount", "0.00")
            values["hs_net_amount"] = money(_decimal(values.get("hs_initial_amount")))

    def check_update(self, obj: CrmObject, values: dict[str, str]) -> None:
        kind = obj.object_type
        if kind == "invoices":
            self._check_invoice_update(obj, values)
        elif kind == "line_items":
            merged = {**obj.properties, **values}
            self._check_line(values, merged)
            for parent in self.parents_of(obj):
                self.check_parent_editable(parent)
        elif kind == "commerce_payments" and "hs_latest_status" in values:
            current = obj.properties.get("hs_latest_status", "")
            wanted = values["hs_latest_status"]
            if wanted != current and wanted not in PAYMENT_MOVES.get(current, frozenset()):
                raise _problem(
                    "hs_latest_status", "INVALID_PAYMENT_STATUS",
                    f"A {current} payment can't move to {wanted}. Refunds are made with the "
                    "refund operation.", self.backend.portal.id)

    def _check_line(self, written: dict[str, str], merged: dict[str, str]) -> None:
        portal = self.backend.portal.id
        rate_id = written.get("hs_tax_rate_group_id")
        if rate_id:
            rate = self.backend.tax_rates.rates.get(rate_id)
            if rate is None or not rate.active:
                raise _problem("hs_tax_rate_group_id", "INVALID_TAX_RATE",
                               f"Tax rate {rate_id} does not exist or is inactive. Use the id of "
                               "an active rate from /tax-rates/v1/tax-rates.", portal)
        if merged.get("discount") and merged.get("hs_discount_percentage"):
            raise _problem("discount", "CONFLICTING_DISCOUNTS",
                           "Set either discount (a unit discount) or hs_discount_percentage, "
                           "not both.", portal)
        # Strict where HubSpot is silent (README): a calculated amount must be a number HubSpot
        # would take as written, so no stored line ever carries one out of range.
        amounts = self.amounts(merged)
        for name, value in (("amount", amounts[0]), ("hs_total_discount", amounts[1])):
            if abs(value) >= MAX_NUMBER:
                raise _problem(
                    "quantity", "INVALID_FLOAT",
                    f"The line item's {name} (quantity × price, less discounts) would be "
                    f"{money(value)}, outside -10^15 to 10^15: lower quantity, price or discount.",
                    portal)

    def _check_invoice_update(self, invoice: CrmObject, values: dict[str, str]) -> None:
        current = invoice.properties.get("hs_invoice_status", "draft")
        if current == "voided":
            raise ValidationError(
                f"Invoice {invoice.id} is voided: a voided invoice can't be edited or reopened. "
                "Create a new invoice instead.",
                errors=[{"message": "A voided invoice can't be edited.", "code": "INVOICE_VOIDED",
                         "in": "hs_invoice_status"}],
                context={"invoiceId": [invoice.id]})
        wanted = values.get("hs_invoice_status", current)
        if wanted == current:
            return
        if wanted == "paid":
            raise _problem("hs_invoice_status", "INVALID_INVOICE_STATUS",
                           "An invoice becomes paid by itself when associated succeeded commerce "
                           "payments cover its amount billed: associate a payment instead.",
                           self.backend.portal.id)
        if current == "paid":
            raise _problem("hs_invoice_status", "INVALID_INVOICE_STATUS",
                           f"A paid invoice can't move to {wanted}. Refund its payment first; the "
                           "invoice goes back to open by itself.", self.backend.portal.id)
        if wanted == "open":
            self._check_can_open(invoice)
        elif wanted == "draft" and self.amount_paid(invoice) > ZERO:
            raise _problem("hs_invoice_status", "INVALID_INVOICE_STATUS",
                           "An invoice with payments can't go back to draft.",
                           self.backend.portal.id)
        elif wanted == "voided" and current == "draft":
            raise _problem("hs_invoice_status", "INVALID_INVOICE_STATUS",
                           "A draft invoice can't be voided: delete it, or open it first.",
                           self.backend.portal.id)

    def _check_can_open(self, invoice: CrmObject) -> None:
        errors = []
        if not self.backend.linked(invoice, "contacts"):
            errors.append({"message": "An invoice needs an associated contact to be opened.",
                           "code": "MISSING_CONTACT_ASSOCIATION", "in": "associations"})
        if not self.backend.linked(invoice, "line_items"):
            errors.append({"message": "An invoice needs at least one line item to be opened.",
                           "code": "MISSING_LINE_ITEMS", "in": "associations"})
        if errors:
            raise ValidationError(
                f"Invoice {invoice.id} can't move to open: "
                + " ".join(e["message"] for e in errors)
                + " Associate them (associations v4), then set hs_invoice_status to open again.",
                errors=errors, context={"invoiceId": [invoice.id]})

    def check_parent_editable(self, parent: CrmObject) -> None:
        if parent.object_type != "invoices":
            return
        status = parent.properties.get("hs_invoice_status")
        if status in ("paid", "voided"):
            raise ValidationError(
                f"Invoice {parent.id} is {status}: its line items can't change. "
                + ("Refund its payment first." if status == "paid" else
                   "Create a new invoice instead."),
                context={"invoiceId": [parent.id]})

    def check_associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        pair = {from_type: from_id, to_type: to_id}
        if "line_items" in pair and (set(pair) & set(PARENT_TYPES)):
            parent_type = next(t for t in PARENT_TYPES if t in pair)
            line = self.backend.get_object("line_items", pair["line_items"])
            for parent in self.parents_of(line):
                if (parent.object_type, parent.id) != (parent_type, pair[parent_type]):
                    raise ValidationError(
                        f"Line item {line.id} already belongs to {parent.object_type[:-1]} "
                        f"{parent.id}; a line item belongs to one parent object. Create a new "
                        "line item (e.g. from the same hs_product_id) for this one.",
                        context={"lineItemId": [line.id]})
            self.check_parent_editable(self.backend.get_object(parent_type, pair[parent_type]))
        if "commerce_payments" in pair and "invoices" in pair:
            invoice = self.backend.get_object("invoices", pair["invoices"])
            payment = self.backend.get_object("commerce_payments", pair["commerce_payments"])
            for other in self.backend.linked(payment, "invoices"):
                if other.id != invoice.id:
                    raise ValidationError(
                        f"Payment {payment.id} is already applied to invoice {other.id}.",
                        context={"paymentId": [payment.id]})
            self.check_takes_payment(invoice)

    def check_takes_payment(self, invoice: CrmObject) -> None:
        status = invoice.properties.get("hs_invoice_status")
        if status not in ("open", "paid"):
            raise ValidationError(
                f"Invoice {invoice.id} is {status}: only an open invoice takes payments. "
                "Set hs_invoice_status to open first.", context={"invoiceId": [invoice.id]})

    def check_dissociate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        pair = {from_type: from_id, to_type: to_id}
        if "invoices" in pair and ({"line_items", "commerce_payments"} & set(pair)):
            invoice = self.backend.get_object("invoices", pair["invoices"])
            if "line_items" in pair or invoice.properties.get("hs_invoice_status") == "voided":
                self.check_parent_editable(invoice)

    # -- derived state ------------------------------------------------------------------------
    def parents_of(self, line: CrmObject) -> list[CrmObject]:
        return [p for t in PARENT_TYPES for p in self.backend.linked(line, t)]

    def line_values(self, line: CrmObject) -> dict[str, str]:
        """amount = quantity × (price − unit discount), or less hs_discount_percentage; tax from
        the line's tax rate, rounded half up to the cent per line."""
        props = line.properties
        amount, discount = self.amounts(props)
        values = {"amount": money(amount), "hs_total_discount": money(discount)}
        rate = self.backend.tax_rates.rates.get(props.get("hs_tax_rate_group_id") or "")
        tax = ZERO
        with localcontext(WIDE):
            if rate is not None:
                tax = (amount * rate.percentage_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                values.update(hs_tax_amount=money(tax), hs_tax_rate=str(rate.percentage_rate),
                              hs_tax_label=rate.label)
            else:
                values.update(hs_tax_amount="", hs_tax_rate="", hs_tax_label="")
            values["hs_post_tax_amount"] = money(amount + tax)
        return values

    @staticmethod
    def amounts(props: dict[str, str]) -> tuple[Decimal, Decimal]:
        """(amount rounded half up to the cent, total discount) of a line item's values."""
        with localcontext(WIDE):
            quantity = _decimal(props.get("quantity"))
            price = _decimal(props.get("price"))
            gross = quantity * price
            if props.get("hs_discount_percentage"):
                discount = gross * _decimal(props["hs_discount_percentage"]) / 100
            else:
                discount = quantity * _decimal(props.get("discount"))
            return (gross - discount).quantize(CENT, rounding=ROUND_HALF_UP), discount

    def _lines_total(self, parent: CrmObject) -> tuple[Decimal, Decimal]:
        subtotal, tax = ZERO, ZERO
        for line in self.backend.linked(parent, "line_items"):
            subtotal += _decimal(line.properties.get("amount"))
            tax += _decimal(line.properties.get("hs_tax_amount"))
        return subtotal, tax

    def amount_paid(self, invoice: CrmObject) -> Decimal:
        paid = ZERO
        for payment in self.backend.linked(invoice, "commerce_payments"):
            if payment.properties.get("hs_latest_status") in COUNTED_PAYMENT_STATUSES:
                paid += (_decimal(payment.properties.get("hs_initial_amount"))
                         - _decimal(payment.properties.get("hs_refunds_amount")))
        return paid

    def invoice_values(self, invoice: CrmObject) -> dict[str, str]:
        subtotal, tax = self._lines_total(invoice)
        billed = subtotal + tax
        paid = self.amount_paid(invoice)
        balance = billed - paid
        values = {"hs_subtotal": money(subtotal), "hs_amount_billed": money(billed),
                  "hs_amount_paid": money(paid), "hs_balance_due": money(balance)}
        status = invoice.properties.get("hs_invoice_status")
        if status in ("open", "paid"):
            values["hs_invoice_status"] = "paid" if paid > ZERO and balance <= ZERO else "open"
        return values

    def quote_values(self, quote: CrmObject) -> dict[str, str]:
        subtotal, tax = self._lines_total(quote)
        return {"hs_quote_amount": money(subtotal + tax)}

    def refresh(self, objects: Iterable[CrmObject]) -> None:
        """Recalculates derived values of the given records and of their invoices and quotes."""
        parents: dict[tuple[str, str], CrmObject] = {}
        for obj in objects:
            if obj.object_type == "line_items":
                self.backend.apply_calculated(obj, self.line_values(obj))
                for parent in self.parents_of(obj):
                    parents[(parent.object_type, parent.id)] = parent
            elif obj.object_type == "commerce_payments":
                for invoice in self.backend.linked(obj, "invoices"):
                    parents[("invoices", invoice.id)] = invoice
            elif obj.object_type in PARENT_TYPES:
                parents[(obj.object_type, obj.id)] = obj
        for parent in parents.values():
            if parent.archived:
                continue
            values = (self.invoice_values(parent) if parent.object_type == "invoices"
                      else self.quote_values(parent))
            self.backend.apply_calculated(parent, values)

    def after_status_write(self, invoice: CrmObject) -> None:
        """hs_number is assigned when an invoice first opens (Invoices API guide)."""
        if invoice.properties.get("hs_invoice_status") == "open" and \
                not invoice.properties.get("hs_number"):
            number = f"INV-{self.next_invoice_number}"
            self.next_invoice_number += 1
            self.backend.apply_calculated(invoice, {"hs_number": number})

    # -- refunds ------------------------------------------------------------------------------
    def refund(self, payment: CrmObject, amount: Decimal | None, source: ChangeSource
               ) -> CrmObject:
        status = payment.properties.get("hs_latest_status")
        if status not in ("succeeded", "partially_refunded"):
            raise ValidationError(
                f"Payment {payment.id} is {status}: only a succeeded or partially refunded "
                "payment can be refunded.", context={"paymentId": [payment.id]})
        initial = _decimal(payment.properties.get("hs_initial_amount"))
        refunded = _decimal(payment.properties.get("hs_refunds_amount"))
        remaining = initial - refunded
        amount = remaining if amount is None else amount
        if amount <= ZERO or amount > remaining:
            raise ValidationError(
                f"A refund of payment {payment.id} must be more than 0 and at most "
                f"{money(remaining)}, the amount not refunded yet.",
                context={"paymentId": [payment.id]})
        refunded += amount
        self.backend.apply_calculated(payment, {
            "hs_refunds_amount": money(refunded),
            "hs_net_amount": money(initial - refunded),
            "hs_latest_status": "refunded" if refunded == initial else "partially_refunded",
        }, source)
        self.refresh([payment])
        return payment
