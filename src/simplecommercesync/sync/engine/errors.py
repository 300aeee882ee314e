"""How a record fails to sync, as the engine sees it: the kind (key, title, fix), the two
exceptions a sync type raises, and the kinds the engine gives records of any type by itself.

A sync type raises `SyncFailure(kind, detail)`; the engine stores kind, message and fix on the
record. Kinds shared by several types through the mapping code are in `mapping/errors.py`, a type's
own in `types/<type>/errors.py`: the engine never names a sync type. `sync/catalogue.py` collects
them all for pages (`error_kind(key)`); docs (`docs/invoices.md`, `docs/tax.md`, `docs/data.md`)
quote every fix word for word.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorKind:
    key: str
    title: str
    fix: str
    # Retried by the engine by itself (backoff) rather than waiting for a person.
    automatic_retry: bool = False


UNAUTHORIZED = ErrorKind(
    "unauthorized",
    "Unauthorized",
    "Reconnect the account in Settings → Connections; held records sync by themselves afterwards.",
)
RATE_LIMITED = ErrorKind(
    "rate_limited",
    "Rate limited",
    "Nothing to do: the provider asked us to slow down and the record is retried automatically.",
    automatic_retry=True,
)
UNREACHABLE = ErrorKind(
    "unreachable",
    "Provider unreachable",
    "Nothing to do: the provider did not answer and the record is retried automatically. If it "
    "lasts, check the provider's status page.",
    automatic_retry=True,
)
VALIDATION_ERROR = ErrorKind(
    "validation_error",
    "Validation error",
    "Correct what the message from QuickBooks or HubSpot names, in that record, then press "
    "Retry Sync.",
)
INTERNAL_ERROR = ErrorKind(
    "internal_error",
    "Internal error",
    "Nothing in the record is wrong: SimpleCommerceSync itself failed on it. It retries by itself a few "
    "times; if it still fails, press Retry Sync, and if that fails too, give this record's link to "
    "whoever runs SimpleCommerceSync for you (the worker log has the details).",
)
# Kinds the engine itself gives a record of any sync type (connection, throttling, the other side's
# refusal, our own repeated crash).
ENGINE_KINDS: tuple[ErrorKind, ...] = (UNAUTHORIZED, RATE_LIMITED, UNREACHABLE, VALIDATION_ERROR, INTERNAL_ERROR)

# Kinds of the record's life that any sync type may show; those that can show them declare them
# (their `error_kinds`).
SYNC_DISABLED = ErrorKind(
    "sync_disabled",
    "Sync turned off",
    "Turn the sync on in Settings → Sync, then press Retry Sync.",
)
SOURCE_DELETED = ErrorKind(
    "source_deleted",
    "Deleted in HubSpot",
    "Nothing to do unless the deletion was a mistake: restore the record in HubSpot and it syncs again.",
)
# The linked object deleted on the other side (`links.deleted_in_quickbooks`).
DELETED_IN_QUICKBOOKS = ErrorKind(
    "deleted_in_quickbooks",
    "Deleted in QuickBooks",
    "The QuickBooks invoice this record was synced to was deleted in QuickBooks. If that was a "
    "mistake, press Retry Sync: the invoice is created again in QuickBooks (the old one's id stays "
    "in the record's history). If it was meant, nothing to do: nothing is written to QuickBooks for "
    "this invoice until you press Retry Sync.",
)


class SyncFailure(Exception):
    """A record can't sync until a person fixes something; `message` names exactly what."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class RetryLater(Exception):
    """Raised by a handler when its whole batch must wait a moment, through no fault of the records
    (another drain holds a lock they need): each unfinished record retries with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientTrouble(Exception):
    """The provider can't take the record right now; retry after `retry_after` seconds."""

    def __init__(self, kind: ErrorKind, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
