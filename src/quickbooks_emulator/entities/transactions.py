"""Invoice and Estimate: lines, subtotal, sales tax from codes, DocNumber, Balance after payments.

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
from ..money import cents
from .base import (
    EntityKind,
    Record,
    bool_field,
    decimal_field,
    invalid_reference,
    ref_value,
    require,
    to_wire,
)
from .taxes import is_taxable_line_code, tax_detail

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


class SalesLine:
    """One SalesItemLineDetail line: Qty x UnitPrice = Amount, like QuickBooks checks it."""

    @staticmethod
    def normalize(
        company: CompanyBackend, line: dict[str, Any], number: int
    ) -> tuple[dict[str, Any], str | None]:
        """The normalized line and the tax code key it is taxed under (None: not taxable)."""
        detail = dict(line.get("SalesItemLineDetail") or {})
        item_id = ref_value(detail, "ItemRef")
        if item_id is None:
            raise RequiredParamMissingError(
                "Required parameter Line.SalesItemLineDetail.ItemRef is missing in the request",
                element="Line.SalesItemLineDetail.ItemRef",
            )
        item = company.find("Item", item_id)
        if item is None:
            raise invalid_reference("ItemRef", item_id, "Item")
        qty = decimal_field(detail, "Qty")
        unit = decimal_field(detail, "UnitPrice")
        amount = decimal_field(line, "Amount")
        qty = None if qty == 0 else qty
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
            unit = amount / qty
        elif unit_given and unit is not None:
            qty = amount / unit
        else:
            qty, unit = Decimal(1), amount
        default_code = "TAX" if bool_field(item.fields, "Taxable", False) else "NON"
        code_id = ref_value(detail, "TaxCodeRef") or default_code
        tax_key = code_id if is_taxable_line_code(company, code_id) else None
        detail.update(
            {
                "ItemRef": {"value": item.id, "name": item.fields["Name"]},
                "Qty": qty,
                "UnitPrice": unit,
                "TaxCodeRef": {"value": code_id},
            }
        )
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
        return normalized, tax_key


class SalesTransactionKind(EntityKind):
    """What Invoice and Estimate share."""

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
        fields = {k: v for k, v in incoming.items() if k not in self.computed}
        customer_id = ref_value(fields, "CustomerRef")
        if customer_id is None:
            raise RequiredParamMissingError(
                "Required parameter CustomerRef is missing in the request", element="CustomerRef"
            )
        customer = company.find("Customer", customer_id)
        if customer is None or not customer.fields.get("Active", True):
            raise invalid_reference("CustomerRef", customer_id, "Customer")
        fields["CustomerRef"] = {"value": customer.id, "name": customer.fields["DisplayName"]}
        lines, subtotal, taxable_by_code = self._lines(company, fields)
        fields["Line"] = lines
        code_id = ref_value(fields.get("TxnTaxDetail") or {}, "TxnTaxCodeRef")
        if code_id is None:
            code_id = ref_value(customer.fields, "DefaultTaxCodeRef")
        if not customer.fields.get("Taxable", True):
            taxable_by_code = {}  # a tax-exempt customer pays no sales tax
        tax = tax_detail(company, code_id, taxable_by_code)
        fields["TxnTaxDetail"] = tax
        total = cents(subtotal + tax["TotalTax"])
        fields["TotalAmt"] = total
        fields["HomeTotalAmt"] = total
        fields["DocNumber"] = self._doc_number(company, fields, existing)
        txn_date = parse_date(fields, "TxnDate") or today()
        fields["TxnDate"] = txn_date.isoformat()
        fields.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})
        fields.setdefault("PrintStatus", "NotSet")
        fields.setdefault("EmailStatus", "NotSet")
        fields["ApplyTaxAfterDiscount"] = bool_field(fields, "ApplyTaxAfterDiscount", False)
        self.finish(company, fields, existing, txn_date)
        return fields

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
    ) -> tuple[list[dict[str, Any]], Decimal, dict[str, Decimal]]:
        raw_lines = require(fields, "Line", self.name)
        if not isinstance(raw_lines, list):
            raise BusinessValidationError("Line must be a list", element="Line")
        lines: list[dict[str, Any]] = []
        subtotal = ZERO
        taxable_by_code: dict[str, Decimal] = {}
        number = 0
        for raw in raw_lines:
            detail_type = raw.get("DetailType")
            if detail_type == "SubTotalLineDetail":
                continue  # recomputed below, like QuickBooks does
            number += 1
            if detail_type == "SalesItemLineDetail":
                line, tax_key = SalesLine.normalize(company, raw, number)
                subtotal += line["Amount"]
                if tax_key is not None:
                    taxable_by_code[tax_key] = taxable_by_code.get(tax_key, ZERO) + line["Amount"]
                lines.append(line)
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
        if not any(line["DetailType"] == "SalesItemLineDetail" for line in lines):
            raise BusinessValidationError(
                "Business Validation Error: You must add at least one line item "
                "with an amount (SalesItemLineDetail).",
                element="Line",
            )
        lines.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        return lines, subtotal, taxable_by_code

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


class InvoiceKind(SalesTransactionKind):
    name = "Invoice"
    voidable = True

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
        fields["HomeBalance"] = fields["Balance"]
        fields["Deposit"] = ZERO
        estimate_links = []
        for link in fields.get("LinkedTxn") or []:
            if link.get("TxnType") != "Estimate":
                continue  # payments are linked by the server, from the payment side
            estimate = company.find("Estimate", str(link.get("TxnId")))
            if estimate is None:
                raise invalid_reference("LinkedTxn", str(link.get("TxnId")), "Estimate")
            estimate_links.append({"TxnId": estimate.id, "TxnType": "Estimate"})
        fields["LinkedTxn"] = estimate_links

    def after_save(self, company: CompanyBackend, record: Record, previous: dict[str, Any] | None) -> None:
        # Invoicing an estimate closes it and links it back (QBO "Estimate" reference, LinkedTxn).
        for link in record.fields.get("LinkedTxn", []):
            estimate = company.find("Estimate", link["TxnId"])
            if estimate is None or record.deleted:
                continue
            back_link = {"TxnId": record.id, "TxnType": "Invoice"}
            if back_link not in estimate.fields.get("LinkedTxn", []):
                estimate.fields["LinkedTxn"] = [*estimate.fields.get("LinkedTxn", []), back_link]
                estimate.fields["TxnStatus"] = "Closed"
                company.touch(estimate)

    def render(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        body = to_wire(record.fields)
        links = [link for link in body.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
        links += [
            {"TxnId": payment.id, "TxnType": "Payment"} for payment in company.payments_for_invoice(record.id)
        ]
        body["LinkedTxn"] = links
        return {**body, **record.envelope()}

    def before_delete(self, company: CompanyBackend, record: Record) -> None:
        if company.payments_for_invoice(record.id):
            raise BusinessValidationError(
                "This invoice has payments applied to it; delete or void the payments first."
            )

    def void(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        self.before_delete(company, record)
        fields = dict(record.fields)
        fields["Line"] = [{**line, "Amount": ZERO} for line in fields["Line"]]
        fields["TxnTaxDetail"] = {"TotalTax": ZERO}
        for key in ("TotalAmt", "HomeTotalAmt", "Balance", "HomeBalance"):
            fields[key] = ZERO
        fields["PrivateNote"] = "Voided"
        return fields


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
        fields["TxnStatus"] = status
        expiration = parse_date(fields, "ExpirationDate")
        if expiration is not None:
            fields["ExpirationDate"] = expiration.isoformat()
