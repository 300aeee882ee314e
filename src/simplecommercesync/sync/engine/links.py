"""Reading and storing RecordLinks for the connected portal + company pair."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.models import AttemptOutcome, QuickBooksWrite, RecordLink, WriteState
from simplecommercesync.sync.engine.queue import Result


def links_by_hubspot_id(context: SyncContext, kind: str, hubspot_ids: Iterable[str]) -> dict[str, RecordLink]:
    ids = list(dict.fromkeys(str(i) for i in hubspot_ids))
    found: dict[str, RecordLink] = {}
    for start in range(0, len(ids), 500):
        for link in RecordLink.objects.filter(
            workspace_id=context.workspace_id, kind=kind, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, hubspot_id__in=ids[start:start + 500],
        ):
            found[link.hubspot_id] = link
    return found


@dataclass(frozen=True)
class NewLink:
    kind: str
    hubspot_id: str
    quickbooks_id: str
    fingerprint: str
    sync_token: str = ""
    label: str = ""


def store_links(context: SyncContext, links: Sequence[NewLink], answered_writes: Iterable[int] = (),
                replacing: Iterable[int] = ()) -> None:
    """Store links and mark the writes that produced them answered, in one transaction: a crash
    before this commit leaves the writes `sent`, so they are replayed rather than repeated.

    `replacing`: links (pks) whose object on the other side is gone and was made again; they are
    removed in the same transaction, so the new link never meets the old one's unique id."""
    now = timezone.now()
    # One upsert per batch, not a SELECT + INSERT/UPDATE per link (the bench profile: per-link
    # round trips were a fifth of a backfill's time). The last link given for an object wins.
    latest = {(new.kind, new.hubspot_id): new for new in links}
    rows = [
        RecordLink(
            workspace_id=context.workspace_id, kind=new.kind, hubspot_portal_id=context.portal_id,
            quickbooks_realm_id=context.realm_id, hubspot_id=new.hubspot_id, quickbooks_id=new.quickbooks_id,
            fingerprint=new.fingerprint, quickbooks_sync_token=new.sync_token, quickbooks_label=new.label,
            linked_at=now, updated_at=now,
        )
        for new in latest.values()
    ]
    with transaction.atomic():
        gone = list(set(replacing))
        if gone:
            RecordLink.objects.filter(pk__in=gone, workspace_id=context.workspace_id).delete()
        if rows:
            RecordLink.objects.bulk_create(
                rows, batch_size=500, update_conflicts=True,
                unique_fields=["workspace", "kind", "hubspot_portal_id", "quickbooks_realm_id", "hubspot_id"],
                update_fields=["quickbooks_id", "fingerprint", "quickbooks_sync_token", "quickbooks_label",
                               "updated_at"],
            )
        ids = list(set(answered_writes))
        if ids:
            QuickBooksWrite.objects.filter(pk__in=ids).update(state=WriteState.ANSWERED, answered_at=now)


def link_history(link: RecordLink, deleted_in: str) -> dict[str, str]:
    """What a replaced link was, for the attempt that replaced it (Data → attempt history)."""
    return {"hubspot_id": link.hubspot_id, "quickbooks_id": link.quickbooks_id,
            "quickbooks_label": link.quickbooks_label, "linked_at": link.linked_at.isoformat(),
            "deleted_in": deleted_in}


def deleted_in_quickbooks(context: SyncContext, entity: str, link: RecordLink | None, error: Exception | None,
                          label: str, verb: str = "update") -> Result | None:
    """QuickBooks refused a write to a linked invoice with 610 Object Not Found (Intuit "Error
    codes"), and a query confirms QuickBooks no longer has it: a failure that says so, not a
    validation error no retry can fix. 610 also names inactive references (customer, item), so the
    code alone proves nothing. An invoice is in the books: it is made again only when a person
    presses Retry Sync (see `remade_on_retry`), never on its own."""
    if link is None or str(getattr(error, "code", "")) != "610":
        return None
    context.checkpoint()
    if any(True for _ in context.quickbooks.query(entity, f"Id = {context.quickbooks.quote(link.quickbooks_id)}")):
        return None
    name = f"{link.quickbooks_label} (id {link.quickbooks_id})" if link.quickbooks_label else link.quickbooks_id
    if verb == "void":  # what voiding asks for is done: QuickBooks has no such invoice any more
        return Result(AttemptOutcome.SKIPPED, action="skipped", label=label,
                      note=f"Voided; QuickBooks {entity.lower()} {name} was deleted in QuickBooks, so there is "
                           "nothing to void.")
    return Result(AttemptOutcome.FAILED, kind=errors.DELETED_IN_QUICKBOOKS, label=label,
                  message=f"Deleted in QuickBooks: QuickBooks {entity.lower()} {name}, which this record was "
                          f"synced to, no longer exists there.",
                  changes={"deleted_link": link_history(link, "QuickBooks")})


def remade_on_retry(record_requested_by: str, record_error_kind: str, link: RecordLink | None) -> RecordLink | None:
    """The link to use: none when a person pressed Retry Sync on a record whose QuickBooks object
    was deleted there, so it is created again (the new link replaces the old one by HubSpot id)."""
    if link is not None and record_requested_by == "retry" and record_error_kind == errors.DELETED_IN_QUICKBOOKS.key:
        return None
    return link
