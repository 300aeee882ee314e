"""Customer sync: a linked HubSpot contact that changed → its QuickBooks customer, updated.

Contacts sync when an invoice, payment or quote needs them (matching by email lives in
`mapping/customers.py`), and again here when a linked contact changes in HubSpot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simplecommercesync.providers.http.errors import Rejected
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import Batch, SyncContext
from simplecommercesync.sync.engine.links import NewLink, links_by_hubspot_id, store_links
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    LinkKind,
)
from simplecommercesync.sync.engine.planning import PlannedRow
from simplecommercesync.sync.engine.queue import Result
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    replay_unanswered,
    write_one,
)
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.customers import (
    CONTACT_PROPERTIES,
    contact_fingerprint,
    display_name_of,
    normalized_email,
)


class CustomerSync:
    """A linked contact changed in HubSpot (email, name, company): update its QuickBooks customer.

    Unlinked contacts are not pushed on their own; they sync with their first invoice.
    """

    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]:
        context.checkpoint()
        contacts = context.hubspot.batch_read("contacts", list(source_ids), CONTACT_PROPERTIES)
        links = links_by_hubspot_id(context, LinkKind.CUSTOMER, source_ids)
        rows: list[PlannedRow] = []
        for source_id in source_ids:
            contact, link = contacts.get(source_id), links.get(source_id)
            props = (contact or {}).get("properties") or {}
            label = display_name_of(props) or f"Contact {source_id}"
            if contact is None:
                rows.append(PlannedRow(source_id, label, "skip", "Deleted in HubSpot; the QuickBooks customer is kept."))
            elif link is None:
                rows.append(PlannedRow(source_id, label, "skip", "Not linked yet: syncs with its first invoice."))
            elif contact_fingerprint(props) == link.fingerprint:
                rows.append(PlannedRow(source_id, label, "unchanged", f"Same as QuickBooks customer {link.quickbooks_id}."))
            elif not normalized_email(props.get("email")):
                rows.append(PlannedRow(source_id, label, "fail", "Customer email missing: the contact's email was removed.",
                                       mapping_errors.CUSTOMER_EMAIL_MISSING.key))
            else:
                rows.append(PlannedRow(source_id, label, "update",
                                       f"QuickBooks customer {link.quickbooks_id} gets the contact's email and name."))
        return rows

    def process(self, context: SyncContext, batch: Batch) -> None:
        replay_unanswered(context, [r.pk for r in batch.records])
        ids = [r.source_id for r in batch.records]
        context.checkpoint()
        contacts = context.hubspot.batch_read("contacts", ids, CONTACT_PROPERTIES)
        links = links_by_hubspot_id(context, LinkKind.CUSTOMER, ids)
        updates: list[tuple[Any, dict[str, Any], Any]] = []
        for record in batch.records:
            contact = contacts.get(record.source_id)
            link = links.get(record.source_id)
            if contact is None:
                batch.finish(record, Result(AttemptOutcome.SKIPPED, action="none",
                                            note="Deleted in HubSpot; the QuickBooks customer is kept."))
                continue
            if link is None:
                batch.finish(record, Result(AttemptOutcome.SKIPPED, action="none",
                                            note="Not linked yet: syncs with its first invoice."))
                continue
            props = contact["properties"]
            if contact_fingerprint(props) == link.fingerprint:
                batch.finish(record, Result(AttemptOutcome.SUCCESS, action="unchanged",
                                            destination_id=link.quickbooks_id, destination_label=link.quickbooks_label))
                continue
            if not normalized_email(props.get("email")):
                batch.finish(record, Result(AttemptOutcome.FAILED, kind=mapping_errors.CUSTOMER_EMAIL_MISSING,
                                            message="Customer email missing: the contact's email was removed."))
                continue
            updates.append((record, props, link))
        for record, props, link in updates:
            context.checkpoint()
            current = context.quickbooks.read("Customer", link.quickbooks_id)
            body = {"Id": link.quickbooks_id, "SyncToken": current.get("SyncToken", "0"), "sparse": True,
                    "PrimaryEmailAddr": {"Address": normalized_email(props.get("email"))}}
            for source, target in (("firstname", "GivenName"), ("lastname", "FamilyName")):
                if str(props.get(source) or "").strip():
                    body[target] = str(props[source]).strip()
            entry = WriteEntry(record.pk, LinkKind.CUSTOMER, record.source_id, contact_fingerprint(props))
            outcome = write_one(context, "Customer", "update", body, entry)
            if outcome.entity is None:
                message = outcome.error.message if isinstance(outcome.error, Rejected) else str(outcome.error)
                batch.finish(record, Result(AttemptOutcome.FAILED, kind=errors.VALIDATION_ERROR,
                                            message=f"QuickBooks refused the customer update: {message}"))
                continue
            store_links(context, [NewLink(LinkKind.CUSTOMER, record.source_id, link.quickbooks_id, entry.fingerprint,
                                          str(outcome.entity.get("SyncToken") or ""),
                                          str(outcome.entity.get("DisplayName") or link.quickbooks_label))],
                        [outcome.journal_id])
            before = (current.get("PrimaryEmailAddr") or {}).get("Address")
            batch.finish(record, Result(
                AttemptOutcome.SUCCESS, action="updated", destination_id=link.quickbooks_id,
                destination_label=str(outcome.entity.get("DisplayName") or ""),
                request_ids=context.quickbooks.last_request_ids,
                changes={"PrimaryEmailAddr": [before, normalized_email(props.get("email"))]},
            ))
