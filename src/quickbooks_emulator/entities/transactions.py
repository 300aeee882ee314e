"""Invoice and Estimate (and what every sales form shares): lines, tax, currency, DocNumber,
Balance after payments and credits, estimate <-> invoice links.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/estimate
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..clock import today
from ..exceptions import (
    AmountMismatchError,
    BusinessValidationError,
    DuplicateDocNumberError,
    RequiredParamMissingError,
    UnsupportedOperationError,
)
from ..money import cents, in_range, units
from .base import (
    EntityKind,
    Record,
    bool_field,
    decimal_field,
    invalid_reference,
    out_of_range,
    ref_value,
    require,
    to_wire,
)
from .currency import transaction_currency
from .tax_engines import TAX_OVERRIDE_KEY, SalesLineTax, compute

if TYPE_CHECKING:
    from .company import CompanyBackend

ESTIMATE_STATUSES = ("Pending", "Accepted", "Closed", "Rejected")
FIRST_DOC_NUMBER = 1001
ZERO = Decimal("0")


def parse_date(fields: dict[str, Any], name: str) -> date | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise BusinessValidationError(
            f"Invalid Date : {name} must be YYYY-MM-DD (got {value})", element=name
        ) from exc


def active_customer(company: CompanyBackend, fields: dict[str, Any]) -> Record:
    customer_id = ref_value(fields, "CustomerRef")
    if customer_id is None:
        raise RequiredParamMissingError(
            "Required parameter CustomerRef is missing in the request", element="CustomerRef"
        )
    customer = company.find("Customer", customer_id)
    if customer is None or not customer.fields.get("Active", True):
        raise invalid_reference("CustomerRef", customer_id, "Customer")
    fields["CustomerRef"] = {"value": customer.id, "name": customer.fields["DisplayName"]}
    return customer


class SalesLine:
    """One SalesItemLineDetail line: Qty x UnitPrice = Amount, like QuickBooks checks it."""

    @staticmethod
    def normalize(company: CompanyBackend, line: dict[str, Any], number: int) -> SalesLineTax:
        detail = line.get("SalesItemLineDetail") or {}
        if not isinstance(detail, dict):
            raise BusinessValidationError(
                "Line.SalesItemLineDetail must be an object {ItemRef, Qty, UnitPrice, TaxCodeRef}",
                element="Line.SalesItemLineDetail",
            )
        detail = dict(detail)
        item_id = ref_value(detail, "ItemRef")
        if item_id is None:
            raise RequiredParamMissingError(
                "Required parameter Line.SalesItemLineDetail.ItemRef is missing in the request",
                element="Line.SalesItemLineDetail.ItemRef",
            )
        item = company.find("Item", item_id)
        if item is None:
            raise invalid_reference("ItemRef", item_id, "Item")
        # Qty and UnitPrice keep 7 decimals, Amount 2 (QuickBooks Online's precision; README).
        qty = decimal_field(detail, "Qty")
        unit = decimal_field(detail, "UnitPrice")
        amount = decimal_field(line, "Amount")
        qty = None if qty is None or units(qty) == 0 else units(qty)
        unit = None if unit is None else units(unit)
        unit_given = unit is not None and (unit != 0 or amount in (None, ZERO))
        if amount is None or amount == 0:
            qty = qty if qty is not None else Decimal(1)
            unit = unit if unit_given and unit is not None else Decimal(str(item.fields["UnitPrice"]))
            amount = cents(qty * unit)
        elif qty is not None and unit_given and unit is not None:
            if cents(qty * unit) != cents(amount):
                raise AmountMismatchError(
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                    element="Line.Amount",
                )
        elif qty is not None:
            unit = units(amount / qty)
        elif unit_given and unit is not None:
            qty = units(amount / unit)
        else:
            qty, unit = Decimal(1), units(amount)
        for name, value in (("Line.Amount", cents(amount)), ("Line.SalesItemLineDetail.Qty", qty),
                            ("Line.SalesItemLineDetail.UnitPrice", unit)):
            if not in_range(value):
                raise out_of_range(name, value)
        code = ref_value(detail, "TaxCodeRef")
        inclusive = decimal_field(detail, "TaxInclusiveAmt")
        detail.pop("TaxInclusiveAmt", None)
        if inclusive:  # python-quickbooks sends 0 for "not set"
            detail["TaxInclusiveAmt"] = inclusive
        detail.update({"ItemRef": {"value": item.id, "name": item.fields["Name"]}, "Qty": qty, "UnitPrice": unit})
        normalized = {
            "Id": str(number),
            "LineNum": number,
            "Amount": cents(amount),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": detail,
        }
        description = line.get("Description") or item.fields.get("Description")
        if description:
            normalized["Description"] = description
        return SalesLineTax(normalized, code, item)


class SalesTransactionKind(EntityKind):
    """What every sales form shares (Invoice, Estimate, CreditMemo, RefundReceipt)."""

    deletable = True
    queryable = frozenset(
        {"DocNumber", "TxnDate", "CustomerRef", "TotalAmt", "DueDate", "Balance", "TxnStatus"}
    )
    computed = frozenset({"TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "Deposit", "InvoiceLink"})

    def prepare(
        self, company: CompanyBackend, incoming: dict[str, Any], existing: Record | None
    ) -> dict[str, Any]:
        if existing is not None and existing.voided:
            raise BusinessValidationError(f"This {self.name} has been voided and can no longer be changed.")
        fields = {k: v for k, v in incoming.items() if k not in self.computed and not k.startswith("_")}
        customer = active_customer(company, fields)
        transaction_currency(company, fields, customer)
        taxed_lines, all_lines = self._lines(company, fields)
        outcome = compute(company, fields, customer, taxed_lines, existing.fields if existing else None)
        if not in_range(outcome.total):
            raise out_of_range("TotalAmt", outcome.total)
        if outcome.total < 0:
            # "Transaction amount must be positive": QuickBooks takes no sales form whose total
            # is below zero (negative lines are fine); a credit memo gives money back instead.
            raise BusinessValidationError(
                f"Business Validation Error: Transaction amount must be positive. This "
                f"{self.name}'s total would be {outcome.total}; use a CreditMemo or "
                f"RefundReceipt to give money back.",
                element="TotalAmt",
            )
        all_lines.append({"Amount": outcome.subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        fields["Line"] = all_lines
        fields["TxnTaxDetail"] = outcome.detail
        fields.pop(TAX_OVERRIDE_KEY, None)
        if outcome.overridden:
            fields[TAX_OVERRIDE_KEY] = True
        if outcome.global_tax_calculation is None:
            fields.pop("GlobalTaxCalculation", None)  # not applicable to US companies
        else:
            fields["GlobalTaxCalculation"] = outcome.global_tax_calculation
        fields["TotalAmt"] = outcome.total
        fields["HomeTotalAmt"] = self.home_amount(fields, outcome.total)
        fields["DocNumber"] = self._doc_number(company, fields, existing)
        txn_date = parse_date(fields, "TxnDate") or today()
        fields["TxnDate"] = txn_date.isoformat()
        fields.setdefault("PrintStatus", "NotSet")
        fields.setdefault("EmailStatus", "NotSet")
        fields["ApplyTaxAfterDiscount"] = bool_field(fields, "ApplyTaxAfterDiscount", False)
        self.finish(company, fields, existing, txn_date)
        return fields

    def sparse_base(self, record: Record) -> dict[str, Any]:
        # Tax is recomputed from the lines; only the chosen tax code carries over.
        base = super().sparse_base(record)
        code = (base.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef")
        base["TxnTaxDetail"] = {"TxnTaxCodeRef": code} if code else {}
        return base

    @staticmethod
    def home_amount(fields: dict[str, Any], amount: Decimal) -> Decimal:
        rate = fields.get("ExchangeRate")
        return cents(amount * rate) if isinstance(rate, Decimal) else amount

    def finish(
        self,
        company: CompanyBackend,
        fields: dict[str, Any],
        existing: Record | None,
        txn_date: date,
    ) -> None:
        """Entity-specific fields (Balance, TxnStatus...)."""

    def _lines(
        self, company: CompanyBackend, fields: dict[str, Any]
    ) -> tuple[list[SalesLineTax], list[dict[str, Any]]]:
        raw_lines = require(fields, "Line", self.name)
        if not isinstance(raw_lines, list):
            raise BusinessValidationError("Line must be a list", element="Line")
        taxed: list[SalesLineTax] = []
        lines: list[dict[str, Any]] = []
        number = 0
        for raw in raw_lines:
            if not isinstance(raw, dict):
                raise BusinessValidationError(
                    "Each Line is an object with a DetailType", element="Line"
                )
            detail_type = raw.get("DetailType")
            if detail_type == "SubTotalLineDetail":
                continue  # recomputed, like QuickBooks does
            number += 1
            if detail_type == "SalesItemLineDetail":
                line = SalesLine.normalize(company, raw, number)
                taxed.append(line)
                lines.append(line.line)
            elif detail_type == "DescriptionOnly":
                lines.append(
                    {
                        "Id": str(number),
                        "LineNum": number,
                        "Description": raw.get("Description", ""),
                        "Amount": ZERO,
                        "DetailType": "DescriptionOnly",
                        "DescriptionLineDetail": raw.get("DescriptionLineDetail") or {},
                    }
                )
            elif detail_type in ("DiscountLineDetail", "GroupLineDetail"):
                raise UnsupportedOperationError(
                    f"The emulator does not support {detail_type} lines", element="Line"
                )
            else:
                raise BusinessValidationError(
                    f"Invalid line DetailType: {detail_type}", element="Line.DetailType"
                )
        if not taxed:
            raise BusinessValidationError(
                "Business Validation Error: You must add at least one line item "
                "with an amount (SalesItemLineDetail).",
                element="Line",
            )
        return taxed, lines

    def _doc_number(self, company: CompanyBackend, fields: dict[str, Any], existing: Record | None) -> str:
        doc_number = str(fields.get("DocNumber") or "").strip()
        if doc_number:
            holder = company.indexes.holder(self.name, doc_number)
            if holder is not None and (existing is None or holder != existing.id):
                raise DuplicateDocNumberError(
                    f"Duplicate Document Number Error : You must specify a different number. "
                    f"This number has already been used. DocNumber={doc_number} is assigned "
                    f"to TxnType={self.name} with TxnId={holder}",
                    element="DocNumber",
                )
            return doc_number
        if existing is not None and existing.fields.get("DocNumber"):
            return str(existing.fields["DocNumber"])
        return str(max(FIRST_DOC_NUMBER - 1, company.indexes.max_doc_number(self.name)) + 1)

    def render(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        body = to_wire(record.fields)
        links = [link for link in body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
        links += [{"TxnId": pid, "TxnType": "Payment"} for pid in company.payments_linking(record.id, self.name)]
        if links or "LinkedTxn" in body:
            body["LinkedTxn"] = links
        return {**body, **record.envelope()}

    def zeroed(self, record: Record) -> dict[str, Any]:
        """A voided sales form: amounts zero, lines kept, 'Voided' in the private note (QBO does this)."""
        fields = dict(record.fields)
        fields["Line"] = [{**line, "Amount": ZERO} for line in fields["Line"]]
        fields["TxnTaxDetail"] = {"TotalTax": ZERO}
        fields.pop(TAX_OVERRIDE_KEY, None)
        for key in ("TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance", "RemainingCredit"):
            if key in fields:
                fields[key] = ZERO
        note = str(fields.get("PrivateNote") or "")
        fields["PrivateNote"] = f"Voided - {note}" if note and not note.startswith("Voided") else "Voided"
        return fields

class PaidFormKind(SalesTransactionKind):
    """A sales form payments apply to (invoice, credit memo): while they do, it can't be deleted or voided."""

    voidable = True

    def before_delete(self, company: CompanyBackend, record: Record) -> None:
        self._refuse_while_paid(company, record, "delete")

    def void(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        self._refuse_while_paid(company, record, "void")
        return self.zeroed(record)

    def _refuse_while_paid(self, company: CompanyBackend, record: Record, action: str) -> None:
        # Intuit documents no rule for this; strict: unlink the payments first (README).
        payment_ids = company.payments_linking(record.id, self.name)
        if payment_ids:
            raise BusinessValidationError(
                f"Business Validation Error: {self.name} {record.id} has payments applied to it "
                f"(Payment {', '.join(payment_ids)}); delete or void those payments, or remove this "
                f"{self.name} from them, before you {action} it.",
                element="LinkedTxn",
            )


class InvoiceKind(PaidFormKind):
    name = "Invoice"

    def finish(
        self,
        company: CompanyBackend,
        fields: dict[str, Any],
        existing: Record | None,
        txn_date: date,
    ) -> None:
        due = parse_date(fields, "DueDate") or txn_date + timedelta(days=30)
        fields["DueDate"] = due.isoformat()
        applied = company.applied_to_invoice(existing.id) if existing else ZERO
        if fields["TotalAmt"] < applied:
            raise BusinessValidationError(
                f"The invoice total ({fields['TotalAmt']}) can't be less than the payments "
                f"applied to it ({applied}).",
                element="Line",
            )
        fields["Balance"] = fields["TotalAmt"] - applied
        fields["HomeBalance"] = self.home_amount(fields, fields["Balance"])
        fields["Deposit"] = ZERO
        fields["LinkedTxn"] = self._estimate_links(company, fields, existing)

    @staticmethod
    def _estimate_links(
        company: CompanyBackend, fields: dict[str, Any], existing: Record | None
    ) -> list[dict[str, str]]:
        links: list[dict[str, str]] = []
        already = {
            link["TxnId"] for link in (existing.fields.get("LinkedTxn", []) if existing else [])
        }
        for link in fields.get("LinkedTxn") or []:
            if link.get("TxnType") != "Estimate":
                continue  # payments are linked by the server, from the payment side
            estimate_id = str(link.get("TxnId"))
            estimate = company.find("Estimate", estimate_id)
            if estimate is None:
                raise invalid_reference("LinkedTxn", estimate_id, "Estimate")
            if estimate.fields["CustomerRef"]["value"] != fields["CustomerRef"]["value"]:
                raise BusinessValidationError(
                    f"Business Validation Error: Estimate {estimate_id} belongs to another customer.",
                    element="LinkedTxn",
                )
            # Strict where Intuit is silent (README): without progress invoicing an estimate is
            # invoiced once; a rejected one can't be.
            if estimate_id not in already and estimate.fields.get("TxnStatus") in ("Closed", "Rejected"):
                raise BusinessValidationError(
                    f"Business Validation Error: Estimate {estimate_id} is "
                    f"{estimate.fields['TxnStatus']} and can't be invoiced again.",
                    element="LinkedTxn",
                )
            links.append({"TxnId": estimate.id, "TxnType": "Estimate"})
        return links

    def after_save(self, company: CompanyBackend, record: Record, previous: dict[str, Any] | None) -> None:
        # Invoicing an estimate closes it and links it back (QBO "Estimate" reference, LinkedTxn);
        # voiding or deleting the invoice, or dropping the link, reopens it as Pending.
        back_link = {"TxnId": record.id, "TxnType": "Invoice"}
        linked = set() if record.deleted or record.voided else {
            link["TxnId"] for link in record.fields.get("LinkedTxn", []) if link.get("TxnType") == "Estimate"
        }
        before = {
            link["TxnId"] for link in (previous or {}).get("LinkedTxn", []) if link.get("TxnType") == "Estimate"
        }
        for estimate_id in sorted(linked | before):
            estimate = company.find("Estimate", estimate_id)
            if estimate is None:
                continue
            links = estimate.fields.get("LinkedTxn", [])
            if estimate_id in linked and back_link not in links:
                estimate.fields["LinkedTxn"] = [*links, back_link]
                estimate.fields["TxnStatus"] = "Closed"
                company.touch(estimate)
            elif estimate_id not in linked and back_link in links:
                estimate.fields["LinkedTxn"] = [link for link in links if link != back_link]
                if not estimate.fields["LinkedTxn"]:
                    estimate.fields["TxnStatus"] = "Pending"
                company.touch(estimate)


class EstimateKind(SalesTransactionKind):
    name = "Estimate"

    def finish(
        self,
        company: CompanyBackend,
        fields: dict[str, Any],
        existing: Record | None,
        txn_date: date,
    ) -> None:
        status = str(fields.get("TxnStatus") or "Pending")
        if status not in ESTIMATE_STATUSES:
            raise BusinessValidationError(
                f"Invalid Enumeration : {status} is not a TxnStatus ({', '.join(ESTIMATE_STATUSES)})",
                element="TxnStatus",
            )
        invoices = [link for link in (existing.fields.get("LinkedTxn", []) if existing else [])]
        if invoices and status != "Closed":
            raise BusinessValidationError(
                f"Business Validation Error: This estimate has been invoiced (Invoice "
                f"{', '.join(link['TxnId'] for link in invoices)}); it stays Closed until that "
                f"invoice is deleted or voided.",
                element="TxnStatus",
            )
        fields["TxnStatus"] = status
        fields["LinkedTxn"] = invoices
        expiration = parse_date(fields, "ExpirationDate")
        if expiration is not None:
            fields["ExpirationDate"] = expiration.isoformat()

    def before_delete(self, company: CompanyBackend, record: Record) -> None:
        invoices = [link["TxnId"] for link in record.fields.get("LinkedTxn", [])]
        if invoices:
            raise BusinessValidationError(
                f"Business Validation Error: This estimate is linked to Invoice {', '.join(invoices)}; "
                f"remove the estimate from that invoice (or delete the invoice) first.",
                element="LinkedTxn",
            )
