"""Item: Name unique, Type Service|NonInventory|Inventory, income account required.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import BusinessValidationError, DuplicateNameError
from ..money import in_range, units
from .base import (
    EntityKind,
    Record,
    bool_field,
    decimal_field,
    invalid_reference,
    out_of_range,
    ref_value,
    require,
)

if TYPE_CHECKING:
    from .company import CompanyBackend

ITEM_TYPES = ("Service", "NonInventory", "Inventory")


class ItemKind(EntityKind):
    name = "Item"
    queryable = frozenset({"Name", "Sku", "Type", "Active", "UnitPrice", "FullyQualifiedName", "Taxable"})
    computed = frozenset({"FullyQualifiedName", "Level"})

    def prepare(
        self, company: CompanyBackend, incoming: dict[str, Any], existing: Record | None
    ) -> dict[str, Any]:
        fields = {k: v for k, v in incoming.items() if k not in self.computed}
        name = str(require(fields, "Name", self.name)).strip()
        holder = company.indexes.holder("Item", name)
        if holder is not None and (existing is None or holder != existing.id):
            raise DuplicateNameError(
                f"The name supplied already exists. : Another product or service is already "
                f"using this name. Id={holder}",
                element="Name",
            )
        item_type = str(require(fields, "Type", self.name))
        if item_type not in ITEM_TYPES:
            raise BusinessValidationError(
                f"Invalid Enumeration : {item_type} is not a supported Item Type ({', '.join(ITEM_TYPES)})",
                element="Type",
            )
        account_id = ref_value(fields, "IncomeAccountRef")
        if account_id is None:
            raise BusinessValidationError(
                "Business Validation Error: Select an income account.", element="IncomeAccountRef"
            )
        account = company.find("Account", account_id)
        if account is None:
            raise invalid_reference("IncomeAccountRef", account_id, "Account")
        fields["IncomeAccountRef"] = {"value": account.id, "name": account.fields["Name"]}
        if item_type == "Inventory":
            require(fields, "AssetAccountRef", self.name)
            require(fields, "InvStartDate", self.name)
            require(fields, "QtyOnHand", self.name)
        fields["Name"] = name
        fields["FullyQualifiedName"] = name
        unit_price = decimal_field(fields, "UnitPrice")
        fields["UnitPrice"] = units(unit_price) if unit_price is not None else 0
        if not in_range(fields["UnitPrice"]):
            raise out_of_range("UnitPrice", fields["UnitPrice"])
        fields["Active"] = bool_field(fields, "Active", True)
        fields["Taxable"] = bool_field(fields, "Taxable", False)
        fields.setdefault("TrackQtyOnHand", item_type == "Inventory")
        for key in ("PurchaseCost", "QtyOnHand"):
            value = decimal_field(fields, key)
            if value is not None:
                fields[key] = units(value)
                if not in_range(fields[key]):
                    raise out_of_range(key, fields[key])
        return fields
