"""Customer: DisplayName unique, e-mail not unique, Balance from open invoices.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import DuplicateNameError, RequiredParamMissingError
from .base import EntityKind, Record, bool_field, invalid_reference, ref_value, to_wire
from .currency import customer_currency

if TYPE_CHECKING:
    from .company import CompanyBackend

NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


class CustomerKind(EntityKind):
    name = "Customer"
    queryable = frozenset(
        {
            "DisplayName",
            "GivenName",
            "FamilyName",
            "MiddleName",
            "CompanyName",
            "FullyQualifiedName",
            "PrimaryEmailAddr",
            "PrimaryPhone",
            "Active",
            "Balance",
            "Job",
            "Taxable",
        }
    )
    computed = frozenset({"Balance", "BalanceWithJobs", "FullyQualifiedName", "Level"})

    def prepare(
        self, company: CompanyBackend, incoming: dict[str, Any], existing: Record | None
    ) -> dict[str, Any]:
        fields = {k: v for k, v in incoming.items() if k not in self.computed}
        display = str(fields.get("DisplayName") or "").strip()
        if not display:
            # QBO derives DisplayName from the name parts or the company name.
            parts = [str(fields[p]).strip() for p in NAME_PARTS if fields.get(p)]
            display = " ".join(parts) or str(fields.get("CompanyName") or "").strip()
        if not display:
            raise RequiredParamMissingError(
                "Required parameter DisplayName is missing in the request: supply DisplayName, "
                "a name part (GivenName, FamilyName...) or CompanyName",
                element="DisplayName",
            )
        holder = company.indexes.holder("Customer", display)
        if holder is not None and (existing is None or holder != existing.id):
            raise DuplicateNameError(
                "The name supplied already exists. : Another customer, vendor or employee "
                f"is already using this name. Please use a different name. Id={holder}",
                element="DisplayName",
            )
        fields["DisplayName"] = display
        fields["Active"] = bool_field(fields, "Active", True)
        fields["Taxable"] = bool_field(fields, "Taxable", True)
        fields["Job"] = bool_field(fields, "Job", False)
        fields["BillWithParent"] = bool_field(fields, "BillWithParent", False)
        fields.setdefault("PreferredDeliveryMethod", "Print")
        fields["CurrencyRef"] = customer_currency(company, fields)
        tax_code = ref_value(fields, "DefaultTaxCodeRef")
        if tax_code is not None and company.find("TaxCode", tax_code) is None:
            raise invalid_reference("DefaultTaxCodeRef", tax_code, "TaxCode")
        return fields

    def render(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        body = to_wire(record.fields)
        balance = to_wire(company.customer_balance(record.id))
        body["FullyQualifiedName"] = record.fields["DisplayName"]
        body["Balance"] = balance
        body["BalanceWithJobs"] = balance
        return {**body, **record.envelope()}
