"""What every QuickBooks entity shares: the stored record, its rendering, and the kind interface."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..clock import metadata_time
from ..exceptions import (
    InvalidFieldError,
    InvalidReferenceError,
    RequiredParamMissingError,
    UnsupportedOperationError,
)
from ..money import MAX_NUMBER, NotANumber, OutOfRange, json_number, to_decimal

if TYPE_CHECKING:
    from .company import CompanyBackend

# Fields the server owns: whatever a client sends for them is ignored.
SERVER_FIELDS = frozenset({"Id", "SyncToken", "sparse", "domain", "MetaData", "status"})


@dataclass
class Record:
    """One stored entity. `fields` holds the QBO-shaped body (Decimals for money)."""

    entity: str
    id: str
    sync_token: int
    created: datetime
    updated: datetime
    fields: dict[str, Any]
    deleted: bool = False
    voided: bool = False

    def envelope(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "SyncToken": str(self.sync_token),
            "domain": "QBO",
            "sparse": False,
            "MetaData": {
                "CreateTime": metadata_time(self.created),
                "LastUpdatedTime": metadata_time(self.updated),
            },
        }


def to_wire(value: Any) -> Any:
    """Decimals become JSON numbers, recursively."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, dict):
        # "_"-prefixed keys are the emulator's private marks on a stored record.
        return {key: to_wire(item) for key, item in value.items() if not key.startswith("_")}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


def clean(value: Any) -> Any:
    """Drop what python-quickbooks sends for "unset": None, "" and empty lists/objects."""
    if isinstance(value, dict):
        cleaned = {key: clean(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if not _is_empty(item)}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def require(fields: dict[str, Any], name: str, entity: str) -> Any:
    value = fields.get(name)
    if _is_empty(value):
        raise RequiredParamMissingError(f"Required parameter {name} is missing in the request", element=name)
    return value


def decimal_field(fields: dict[str, Any], name: str) -> Decimal | None:
    """A number the client sent; an unreadable one is Intuit's 2010 (README)."""
    try:
        return to_decimal(fields.get(name))
    except NotANumber as exc:
        raise InvalidFieldError(
            f"Property Name:{name} : can't read {exc} as a number (java.math.BigDecimal). "
            f"Send a plain decimal such as 12.50: no spaces, commas, NaN or Infinity.",
            element=name,
        ) from exc
    except OutOfRange as exc:
        raise out_of_range(name, str(exc)) from exc


def out_of_range(name: str, value: object) -> InvalidFieldError:
    return InvalidFieldError(
        f"Property Name:{name} : {value} is out of range. Amounts take at most 15 digits in "
        f"10.5 format, so they must stay between -{MAX_NUMBER:,} and {MAX_NUMBER:,} (exclusive).",
        element=name,
    )


def bool_field(fields: dict[str, Any], name: str, default: bool) -> bool:
    value = fields.get(name, default)
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def ref_value(fields: dict[str, Any], name: str) -> str | None:
    ref = fields.get(name)
    if isinstance(ref, dict):
        value = ref.get("value")
        return None if value in (None, "") else str(value)
    if isinstance(ref, str | int) and ref != "":
        return str(ref)
    return None


def invalid_reference(name: str, value: str, entity: str) -> InvalidReferenceError:
    return InvalidReferenceError(
        f"Invalid Reference Id : {entity} assigned to this transaction has been deleted or "
        f"is inactive. Id={value}",
        element=name,
    )


class EntityKind:
    """Behaviour of one entity type; the company backend does the generic bookkeeping."""

    name = ""
    creatable = True
    updatable = True
    deletable = False
    voidable = False
    # Fields a WHERE/ORDERBY may use (beyond Id and MetaData.*).
    queryable: frozenset[str] = frozenset()
    # Read-only computed fields a client may echo back; ignored on write.
    computed: frozenset[str] = frozenset()

    def prepare(
        self, company: CompanyBackend, incoming: dict[str, Any], existing: Record | None
    ) -> dict[str, Any]:
        """Validate a create/update body and return the fields to store."""
        raise UnsupportedOperationError(f"Operation Create/Update is not supported for {self.name}")

    def render(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        return {**to_wire(record.fields), **record.envelope()}

    def sparse_base(self, record: Record) -> dict[str, Any]:
        """What a sparse update starts from before the sent fields are laid over it."""
        return {k: v for k, v in record.fields.items() if k not in self.computed}

    def after_save(self, company: CompanyBackend, record: Record, previous: dict[str, Any] | None) -> None:
        """Side effects on other records (payments move invoice balances)."""

    def before_delete(self, company: CompanyBackend, record: Record) -> None:
        """Refuse a delete QuickBooks refuses."""

    def void(self, company: CompanyBackend, record: Record) -> dict[str, Any]:
        raise UnsupportedOperationError(f"Operation Void is not supported for {self.name}")
