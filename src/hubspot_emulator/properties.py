"""Property definitions per object type, and validation of written values like HubSpot does it.

Invalid writes answer 400 `Property values were not valid: [...]` with one entry per bad
property (https://developers.hubspot.com/docs/api/crm/properties). Values are stored as the
strings HubSpot returns: numbers exactly as written (money stays a decimal string), dates as
`YYYY-MM-DD`, datetimes as ISO 8601 UTC with milliseconds.

Number values follow HubSpot's changelog "Upcoming: A change for number properties in CRM APIs":
digits, an optional single leading "-" and an optional single "." only (no commas, spaces or
exponents: "1.4210854715202004e-14 was not a valid number."); non-string values with leading or
trailing whitespace are refused ("Breaking Change: Enhanced Validations for Non-String
Properties", LEADING_TRAILING_WHITESPACE). HubSpot documents no range: refusing magnitudes of
10^15 and more is our strict choice (README).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .clock import from_epoch_ms, iso, utcnow
from .exceptions import Conflict, ObjectNotFound, ValidationError
from .property_groups import MAIN_GROUP, PropertyGroupRegistry

PROPERTY_TYPES = ("string", "number", "date", "datetime", "enumeration", "bool")
# Digits, one optional leading "-", one optional "." (HubSpot's number-property rule).
_NUMBER_TEXT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
# Our strict bound where HubSpot's docs are silent (README): |value| < 10^15.
MAX_DIGITS = 15
MAX_NUMBER = Decimal(10) ** MAX_DIGITS
FIELD_TYPES = ("textarea", "text", "date", "file", "number", "select", "radio", "checkbox",
               "booleancheckbox", "calculation_equation", "phonenumber", "html")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Option:
    label: str
    value: str
    display_order: int = 0
    hidden: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "displayOrder": self.display_order,
                "hidden": self.hidden, "description": ""}


@dataclass
class PropertyDefinition:
    name: str
    label: str
    type: str = "string"
    field_type: str = "text"
    group_name: str = ""
    description: str = ""
    options: list[Option] = field(default_factory=list)
    has_unique_value: bool = False
    hubspot_defined: bool = True
    read_only: bool = False
    hidden: bool = False
    display_order: int = -1
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    archived: bool = False

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [o.as_json() for o in self.options],
            "displayOrder": self.display_order,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "formField": not self.read_only,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "archived": self.archived,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
        }
        if self.hubspot_defined:
            body["hubspotDefined"] = True
        return body


def _options(*values: str) -> list[Option]:
    return [Option(v.replace("_", " ").title(), v, i) for i, v in enumerate(values)]


def _p(name: str, label: str, type_: str = "string", **kwargs: Any) -> PropertyDefinition:
    field_type = {"number": "number", "date": "date", "datetime": "date", "enumeration": "select",
                  "bool": "booleancheckbox"}.get(type_, "text")
    return PropertyDefinition(name, label, type_, kwargs.pop("field_type", field_type), **kwargs)


def _common(group: str) -> list[PropertyDefinition]:
    return [
        _p("hs_object_id", "Record ID", "number", group_name=group, read_only=True),
        _p("createdate", "Create Date", "datetime", group_name=group, read_only=True),
        _p("hs_lastmodifieddate", "Last Modified Date", "datetime", group_name=group,
           read_only=True),
        # Who created the record: https://knowledge.hubspot.com/records/understand-record-sources
        _p("hs_object_source", "Record source", group_name=group, read_only=True),
        _p("hs_object_source_id", "Record source ID", group_name=group, read_only=True),
        _p("hs_object_source_label", "Record source label", "enumeration", group_name=group,
           read_only=True, options=_options("INTEGRATION", "CRM_UI")),
        _p("hs_object_source_detail_1", "Record source detail 1", group_name=group,
           read_only=True),
    ]


def default_definitions(object_type: str) -> list[PropertyDefinition]:
    """HubSpot-defined properties the emulator knows for each object type."""
    g = MAIN_GROUP[object_type]
    specific: dict[str, list[PropertyDefinition]] = {
        "contacts": [
            # Contacts are deduplicated by email: https://knowledge.hubspot.com/records/deduplication-of-records
            _p("email", "Email", group_name=g, has_unique_value=True),
            _p("firstname", "First Name", group_name=g),
            _p("lastname", "Last Name", group_name=g),
            _p("company", "Company Name", group_name=g),
            _p("phone", "Phone Number", group_name=g, field_type="phonenumber"),
            _p("address", "Street Address", group_name=g),
            _p("city", "City", group_name=g),
            _p("state", "State/Region", group_name=g),
            _p("zip", "Postal Code", group_name=g),
            _p("country", "Country/Region", group_name=g),
            # Contacts carry the older `lastmodifieddate` next to hs_lastmodifieddate.
            _p("lastmodifieddate", "Last Modified Date", "datetime", group_name=g,
               read_only=True),
        ],
        "products": [
            _p("name", "Name", group_name=g),
            _p("price", "Unit price", "number", group_name=g),
            _p("hs_sku", "SKU", group_name=g),
            _p("description", "Description", group_name=g, field_type="textarea"),
            _p("hs_cost_of_goods_sold", "Unit cost", "number", group_name=g),
            _p("hs_product_type", "Product type", "enumeration", group_name=g,
               options=_options("inventory", "non_inventory", "service")),
        ],
        "line_items": [
            _p("name", "Name", group_name=g),
            _p("quantity", "Quantity", "number", group_name=g),
            _p("price", "Unit price", "number", group_name=g),
            _p("amount", "Net price", "number", group_name=g, read_only=True),
            # HubSpot's `discount` is the unit discount; amount = quantity × (price − discount).
            _p("discount", "Unit discount", "number", group_name=g),
            _p("hs_discount_percentage", "Discount percentage", "number", group_name=g),
            _p("hs_total_discount", "Total discount", "number", group_name=g, read_only=True),
            _p("hs_tax_amount", "Tax amount", "number", group_name=g, read_only=True),
            _p("hs_tax_rate", "Tax rate (%)", "number", group_name=g, read_only=True),
            _p("hs_tax_label", "Tax label", group_name=g, read_only=True),
            _p("hs_post_tax_amount", "Net price after tax", "number", group_name=g,
               read_only=True),
            _p("hs_product_id", "Product ID", "number", group_name=g),
            _p("hs_sku", "SKU", group_name=g),
            _p("description", "Description", group_name=g, field_type="textarea"),
            _p("hs_tax_rate_group_id", "Tax rate", group_name=g),
            _p("hs_line_item_currency_code", "Currency", group_name=g),
            _p("hs_position_on_quote", "Position on quote", "number", group_name=g),
        ],
        "quotes": [
            _p("hs_title", "Quote name", group_name=g),
            _p("hs_expiration_date", "Expiration date", "datetime", group_name=g),
            _p("hs_status", "Quote approval status", "enumeration", group_name=g,
               options=_options("DRAFT", "PENDING_APPROVAL", "APPROVAL_NOT_NEEDED", "APPROVED",
                                "REJECTED", "ACCEPTED", "DECLINED")),
            _p("hs_currency", "Currency", group_name=g),
            _p("hs_quote_amount", "Quote amount", "number", group_name=g, read_only=True),
            _p("hs_quote_number", "Quote number", group_name=g),
            _p("hs_comments", "Comments", group_name=g, field_type="textarea"),
        ],
        "invoices": [
            _p("hs_currency", "Currency", group_name=g),
            _p("hs_invoice_date", "Invoice date", "datetime", group_name=g),
            _p("hs_due_date", "Due date", "datetime", group_name=g),
            _p("hs_invoice_status", "Invoice status", "enumeration", group_name=g,
               options=_options("draft", "open", "paid", "voided")),
            _p("hs_number", "Invoice number", group_name=g, read_only=True),
            _p("hs_subtotal", "Subtotal", "number", group_name=g, read_only=True),
            _p("hs_amount_billed", "Amount billed", "number", group_name=g, read_only=True),
            _p("hs_balance_due", "Balance due", "number", group_name=g, read_only=True),
            _p("hs_amount_paid", "Amount paid", "number", group_name=g, read_only=True),
            _p("hs_title", "Invoice title", group_name=g),
            _p("hs_comments", "Comments", group_name=g, field_type="textarea"),
        ],
        "commerce_payments": [
            _p("hs_initial_amount", "Gross amount", "number", group_name=g),
            _p("hs_initiated_date", "Payment date", "datetime", group_name=g),
            _p("hs_latest_status", "Status", "enumeration", group_name=g,
               options=_options("processing", "succeeded", "failed", "refunded",
                                "partially_refunded", "canceled", "disputed")),
            _p("hs_currency_code", "Currency", group_name=g),
            _p("hs_payment_method_type", "Payment method", "enumeration", group_name=g,
               options=_options("card", "ach", "sepa", "bacs", "pads", "other")),
            _p("hs_refunds_amount", "Refunded amount", "number", group_name=g, read_only=True),
            _p("hs_net_amount", "Net amount", "number", group_name=g, read_only=True),
            _p("hs_reference_number", "Reference number", group_name=g),
            _p("hs_customer_email", "Customer email", group_name=g),
        ],
        "taxes": [
            _p("hs_label", "Label", group_name=g),
            _p("hs_type", "Type", "enumeration", group_name=g,
               options=_options("PERCENT", "FIXED")),
            _p("hs_value", "Value", "number", group_name=g),
            _p("hs_tax_rate_group_id", "Tax rate", group_name=g),
        ],
    }
    return [*_common(g), *specific[object_type]]


# Properties that must be present when a record is created (API_NOTES: HubSpot rejects these).
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "invoices": ("hs_currency",),
    "quotes": ("hs_title", "hs_expiration_date"),
    "commerce_payments": ("hs_initial_amount", "hs_initiated_date"),
}


@dataclass
class PropertyProblem:
    name: str
    code: str
    message: str
    value: str | None = None

    def as_hubspot(self, portal_id: int) -> dict[str, Any]:
        body: dict[str, Any] = {"isValid": False, "message": self.message, "error": self.code,
                                "name": self.name, "localizedErrorMessage": self.message}
        if self.value is not None:
            body["propertyValue"] = self.value
        body["portalId"] = portal_id
        return body


def invalid_properties(problems: list[PropertyProblem], portal_id: int) -> ValidationError:
    listed = json.dumps([p.as_hubspot(portal_id) for p in problems], separators=(",", ":"))
    return ValidationError(
        f"Property values were not valid: {listed}",
        errors=[{"message": p.message, "code": p.code, "in": p.name,
                 "context": {"propertyName": [p.name]}} for p in problems],
    )


def datetime_value(raw: str) -> str:
    text = raw.strip()
    if re.fullmatch(r"-?\d+", text):
        return iso(from_epoch_ms(int(text)))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return iso(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment)


def _date_value(raw: str) -> str:
    text = raw.strip()
    if re.fullmatch(r"-?\d+", text):
        moment = from_epoch_ms(int(text))
        # HubSpot date properties take a UTC-midnight timestamp only.
        if moment.time() != datetime.min.time():
            raise ValueError("not midnight")
        return moment.date().isoformat()
    return date.fromisoformat(text[:10]).isoformat()


def _json_text(value: object) -> str:
    """A written value as text. JSON numbers arrive as int or Decimal (api.json_body); a Decimal
    with a positive exponent was written in exponent form (1e30), which stays visible, and so
    does a tiny one (1e-999999999 would spell out a billion zeros)."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -100 <= exponent <= 0:
            return format(value, "f")
    return str(value)


def number_value(name: str, raw: str) -> str | PropertyProblem:
    """A number property's stored text, or why it is refused."""
    rule = ("Number properties take digits with an optional leading - and one decimal point, "
            "e.g. 1234.56: no spaces, commas, exponents, NaN or Infinity.")
    if not _NUMBER_TEXT.fullmatch(raw):
        return PropertyProblem(name, "INVALID_FLOAT", f"{raw} was not a valid number. {rule}", raw)
    number = Decimal(raw)  # exact and context-free: adjusted() can't overflow like abs()
    if not number.is_zero() and number.adjusted() >= MAX_DIGITS:
        return PropertyProblem(
            name, "INVALID_FLOAT",
            f"{raw} was not a valid number: {name} takes values between -10^15 and 10^15 "
            "(exclusive).", raw)
    return raw


def normalize_value(definition: PropertyDefinition, value: object) -> str | PropertyProblem:
    """The stored string for a written value, or what is wrong with it."""
    name = definition.name
    if value is None:
        return ""
    if isinstance(value, bool):
        raw = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        return PropertyProblem(name, "INVALID_PROPERTY_VALUE",
                               f'"{value}" is not a valid value for "{name}".')
    else:
        raw = _json_text(value)
    if raw == "":
        return ""
    kind = definition.type
    if kind != "string" and raw != raw.strip():
        return PropertyProblem(name, "LEADING_TRAILING_WHITESPACE",
                               f'"{raw}" includes leading or trailing whitespace.', raw)
    try:
        if kind == "number":
            return number_value(name, raw)
        if kind == "bool":
            lowered = raw.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError(raw)
            return lowered
        if kind == "datetime":
            return datetime_value(raw)
        if kind == "date":
            return _date_value(raw)
        if kind == "enumeration":
            allowed = [o.value for o in definition.options]
            chosen = raw.split(";") if definition.field_type == "checkbox" else [raw]
            bad = [c for c in chosen if c not in allowed]
            if bad:
                return PropertyProblem(
                    name, "INVALID_OPTION",
                    f'{bad[0]} was not one of the allowed options: '
                    f'[{", ".join(allowed)}]',
                )
            return raw
    except (InvalidOperation, ValueError):
        code = {"number": "INVALID_FLOAT", "bool": "INVALID_BOOLEAN", "date": "INVALID_DATE",
                "datetime": "INVALID_DATETIME"}[kind]
        return PropertyProblem(name, code, f'"{raw}" is not a valid {kind} value for "{name}".')
    return raw


class PropertyRegistry:
    """All property definitions of one portal, and the groups they sit in."""

    def __init__(self, object_types: list[str]) -> None:
        self.groups = PropertyGroupRegistry(object_types)
        self._by_type: dict[str, dict[str, PropertyDefinition]] = {
            t: {d.name: d for d in default_definitions(t)} for t in object_types
        }
        self._unique_names: dict[str, list[str]] = {}

    def all(self, object_type: str, archived: bool = False) -> list[PropertyDefinition]:
        return [d for d in self._by_type[object_type].values() if d.archived == archived]

    def find(self, object_type: str, name: str) -> PropertyDefinition | None:
        found = self._by_type[object_type].get(name)
        return found if found is not None and not found.archived else None

    def get(self, object_type: str, name: str) -> PropertyDefinition:
        found = self.find(object_type, name)
        if found is None:
            raise ObjectNotFound(f"Unable to find property {name} on object type {object_type}",
                                 context={"propertyName": [name]})
        return found

    def unique_names(self, object_type: str) -> list[str]:
        # Asked on every write: cached, and dropped whenever a definition changes.
        cached = self._unique_names.get(object_type)
        if cached is None:
            cached = self._unique_names[object_type] = [
                d.name for d in self.all(object_type) if d.has_unique_value]
        return cached

    def create(self, object_type: str, spec: dict[str, Any]) -> PropertyDefinition:
        name = str(spec.get("name") or "")
        problems = []
        if not _NAME_RE.match(name):
            problems.append(f"Property name '{name}' is invalid: use lower-case letters, digits "
                            "and underscores, starting with a letter.")
        for required in ("label", "type", "fieldType", "groupName"):
            if not spec.get(required):
                problems.append(f"{required} is required")
        if spec.get("type") and spec["type"] not in PROPERTY_TYPES:
            problems.append(f"type must be one of {', '.join(PROPERTY_TYPES)}")
        if spec.get("fieldType") and spec["fieldType"] not in FIELD_TYPES:
            problems.append(f"fieldType must be one of {', '.join(FIELD_TYPES)}")
        if spec.get("type") == "enumeration" and not spec.get("options"):
            problems.append("an enumeration property needs options")
        if problems:
            raise ValidationError("; ".join(problems), errors=[
                {"message": p, "code": "INVALID_PROPERTY_DEFINITION"} for p in problems])
        existing = self._by_type[object_type].get(name)
        if existing is not None and not existing.archived:
            raise Conflict(f"Property named '{name}' already exists.",
                           context={"propertyName": [name]})
        self.groups.require(object_type, str(spec["groupName"]))
        definition = PropertyDefinition(
            name=name,
            label=str(spec["label"]),
            type=str(spec["type"]),
            field_type=str(spec["fieldType"]),
            group_name=str(spec["groupName"]),
            description=str(spec.get("description") or ""),
            options=self._parse_options(spec.get("options")),
            has_unique_value=bool(spec.get("hasUniqueValue", False)),
            hubspot_defined=False,
            hidden=bool(spec.get("hidden", False)),
            display_order=int(spec.get("displayOrder", -1)),
        )
        self._by_type[object_type][name] = definition
        self._unique_names.clear()
        return definition

    def update(self, object_type: str, name: str, spec: dict[str, Any]) -> PropertyDefinition:
        definition = self.get(object_type, name)
        if definition.hubspot_defined and set(spec) - {"label", "description", "hidden",
                                                      "displayOrder", "groupName"}:
            raise ValidationError(f"Property {name} is HubSpot-defined; its type and options "
                                  "cannot be changed.")
        if "type" in spec and spec["type"] not in PROPERTY_TYPES:
            raise ValidationError(f"type must be one of {', '.join(PROPERTY_TYPES)}")
        if spec.get("groupName") is not None:
            self.groups.require(object_type, str(spec["groupName"]))
        for key, attribute in (("label", "label"), ("description", "description"),
                               ("groupName", "group_name"), ("fieldType", "field_type"),
                               ("type", "type")):
            if key in spec and spec[key] is not None:
                setattr(definition, attribute, str(spec[key]))
        if "hidden" in spec:
            definition.hidden = bool(spec["hidden"])
        if "displayOrder" in spec and spec["displayOrder"] is not None:
            definition.display_order = int(spec["displayOrder"])
        if spec.get("options") is not None:
            definition.options = self._parse_options(spec["options"])
        definition.updated_at = utcnow()
        self._unique_names.clear()
        return definition

    def archive(self, object_type: str, name: str) -> None:
        definition = self.get(object_type, name)
        if definition.hubspot_defined:
            raise ValidationError(f"Property {name} is HubSpot-defined and cannot be archived.")
        definition.archived = True
        self._unique_names.clear()

    def archive_group(self, object_type: str, name: str) -> None:
        in_it = [d.name for d in self.all(object_type) if d.group_name == name]
        self.groups.archive(object_type, name, in_it)

    @staticmethod
    def _parse_options(raw: object) -> list[Option]:
        if not isinstance(raw, list):
            return []
        options = []
        for i, item in enumerate(raw):
            if isinstance(item, dict) and "value" in item:
                options.append(Option(str(item.get("label", item["value"])), str(item["value"]),
                                      int(item.get("displayOrder", i)),
                                      bool(item.get("hidden", False))))
        return options
