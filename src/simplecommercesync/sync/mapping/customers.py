"""Customers by email: a HubSpot contact → its QuickBooks customer, found or created.

Matching (PRODUCT.md §4): by email, trimmed and without regard to case; no match → a new
customer, whose DisplayName must be unique in QuickBooks ("Ada Lovelace", or on a clash
"Ada Lovelace (ada@example.com)"); several matches → the oldest active one, and the record says
so; no email → Customer email missing. Once linked the link is by ids, so a later email change
updates the same customer instead of creating another. Lookups are per drain and in batches
(`PrimaryEmailAddr IN (…)`, `Active IN (true, false)` — inactive customers still count).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from simplecommercesync.providers.quickbooks.accounting import BatchOperation
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.drain import SyncContext
from simplecommercesync.sync.engine.links import NewLink, links_by_hubspot_id, store_links
from simplecommercesync.sync.engine.models import (
    AttemptOutcome,
    LinkKind,
    RecordStatus,
    SourceSide,
    SyncAttempt,
    SyncRecord,
)
from simplecommercesync.sync.engine.writes import (
    WriteEntry,
    WriteOutcome,
    replay,
    unanswered_naming,
    write_batch,
    write_one,
)
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.mapping.customer_creation import customer_creation_lock

# The address matters beyond the books: a US company on automated sales tax taxes each invoice by
# its customer's address (Intuit, "Automated sales tax"), so a customer created without one would
# be taxed at the company's own rate instead of the rate HubSpot charged.
ADDRESS_FIELDS = (("address", "Line1"), ("city", "City"), ("state", "CountrySubDivisionCode"),
                  ("zip", "PostalCode"), ("country", "Country"))
CONTACT_PROPERTIES = ("email", "firstname", "lastname", "company", "phone", *(p for p, _ in ADDRESS_FIELDS))
# QuickBooks' duplicate-name Fault (Intuit "Error codes": 6240 Duplicate Name Exists Error).
DUPLICATE_NAME = "6240"
IN_CHUNK = 40
BATCH_QUERIES = 30


def normalized_email(value: Any) -> str:
    return str(value or "").strip().lower()


def contact_fingerprint(properties: dict[str, Any]) -> str:
    wanted = {k: str(properties.get(k) or "").strip() for k in CONTACT_PROPERTIES}
    wanted["email"] = normalized_email(wanted["email"])
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def display_name_of(properties: dict[str, Any]) -> str:
    name = " ".join(p for p in (str(properties.get("firstname") or "").strip(),
                                str(properties.get("lastname") or "").strip()) if p)
    return name or str(properties.get("company") or "").strip() or normalized_email(properties.get("email"))


def customer_body(properties: dict[str, Any], display_name: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "DisplayName": display_name[:500],
        "PrimaryEmailAddr": {"Address": normalized_email(properties.get("email"))},
    }
    for source, target in (("firstname", "GivenName"), ("lastname", "FamilyName"), ("company", "CompanyName")):
        value = str(properties.get(source) or "").strip()
        if value:
            body[target] = value[:100]
    phone = str(properties.get("phone") or "").strip()
    if phone:
        body["PrimaryPhone"] = {"FreeFormNumber": phone[:30]}
    address = {target: str(properties.get(source) or "").strip()[:255] for source, target in ADDRESS_FIELDS}
    if any(address.values()):
        address = {k: v for k, v in address.items() if v}
        body["BillAddr"] = address
        body["ShipAddr"] = dict(address)
    return body


@dataclass
class CustomerMatch:
    quickbooks_id: str
    display_name: str
    note: str = ""
    created: bool = False


class CustomerDirectory:
    """Per-drain cache of QuickBooks customers by normalized email and by display name."""

    def __init__(self, context: SyncContext) -> None:
        self.context = context
        self.by_email: dict[str, list[dict[str, Any]]] = {}
        self.names_taken: set[str] = set()
        self.names_checked: set[str] = set()

    def load_emails(self, emails: Iterable[str]) -> None:
        """QuickBooks may keep an email with other case or stray spaces, which equality can't
        find, so each email is a `LIKE '%email%'` query; 30 of them go in one batch request."""
        missing = [e for e in dict.fromkeys(emails) if e and e not in self.by_email]
        quote = self.context.quickbooks.quote
        for start in range(0, len(missing), BATCH_QUERIES):
            chunk = missing[start:start + BATCH_QUERIES]
            for email in chunk:
                self.by_email[email] = []
            operations = [
                BatchOperation("query", query=(
                    "SELECT * FROM Customer WHERE PrimaryEmailAddr LIKE "  # noqa: S608 (Intuit query language)
                    f"{quote('%' + email + '%')} AND Active IN (true, false) MAXRESULTS 100"))  # nosec B608  # values quoted
                for email in chunk
            ]
            self.context.checkpoint()
            for outcome in self.context.quickbooks.batch(operations, request_id=f"scs-q-{uuid.uuid4().hex}"):
                if outcome.failure is not None:
                    raise outcome.failure
                self._index((outcome.result or {}).get("Customer") or [])

    def _index(self, customers: Iterable[dict[str, Any]]) -> None:
        for customer in customers:
            email = normalized_email((customer.get("PrimaryEmailAddr") or {}).get("Address"))
            if email in self.by_email and all(c.get("Id") != customer.get("Id") for c in self.by_email[email]):
                self.by_email[email].append(customer)
            self.names_taken.add(str(customer.get("DisplayName") or "").lower())

    def load_names(self, names: Iterable[str]) -> None:
        wanted = [n for n in dict.fromkeys(names) if n and n.lower() not in self.names_checked]
        quote = self.context.quickbooks.quote
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start:start + IN_CHUNK]
            self.context.checkpoint()
            where = f"DisplayName IN ({', '.join(quote(n) for n in chunk)}) AND Active IN (true, false)"
            for customer in self.context.quickbooks.query("Customer", where):
                self.names_taken.add(str(customer.get("DisplayName") or "").lower())
            self.names_checked.update(n.lower() for n in chunk)

    def choose(self, email: str) -> CustomerMatch | None:
        found = self.by_email.get(email) or []
        if not found:
            return None
        ordered = sorted(found, key=lambda c: (not c.get("Active", True), _numeric(c.get("Id"))))
        chosen = ordered[0]
        note = ""
        if len(ordered) > 1:
            ids = ", ".join(str(c.get("Id")) for c in ordered)
            note = (f"Several QuickBooks customers have the email {email} (ids {ids}); chose "
                    f"{chosen.get('DisplayName')} (id {chosen.get('Id')}), the oldest active one.")
        return CustomerMatch(str(chosen["Id"]), str(chosen.get("DisplayName") or ""), note)

    def free_display_name(self, properties: dict[str, Any]) -> str:
        base = display_name_of(properties)
        email = normalized_email(properties.get("email"))
        for candidate in (base, f"{base} ({email})"):
            if candidate.lower() not in self.names_taken:
                return candidate
        number = 2
        while f"{base} ({email}) {number}".lower() in self.names_taken:
            number += 1
        return f"{base} ({email}) {number}"


def _numeric(value: Any) -> tuple[int, str]:
    text = str(value or "")
    return (int(text), text) if text.isdigit() else (1 << 62, text)


def _sort_contacts(
    context: SyncContext, contacts: dict[str, dict[str, Any]], contact_ids: Collection[str]
) -> tuple[CustomerDirectory, dict[str, CustomerMatch | errors.SyncFailure], list[str]]:
    """What a run and a Preview both settle before matching: contacts already linked or that can't
    become a customer (gone, no email) are resolved; the rest come back unlinked, with their
    emails already looked up in the QuickBooks customer directory."""
    directory: CustomerDirectory = context.cache.setdefault("customers", CustomerDirectory(context))
    links = links_by_hubspot_id(context, LinkKind.CUSTOMER, contact_ids)
    resolved: dict[str, CustomerMatch | errors.SyncFailure] = {}
    unlinked: list[str] = []
    for contact_id in dict.fromkeys(contact_ids):
        link = links.get(contact_id)
        props = (contacts.get(contact_id) or {}).get("properties") or {}
        if link is not None:
            resolved[contact_id] = CustomerMatch(link.quickbooks_id, link.quickbooks_label)
        elif contact_id not in contacts:
            resolved[contact_id] = errors.SyncFailure(
                mapping_errors.CUSTOMER_NOT_FOUND,
                f"Customer not found: HubSpot contact {contact_id} no longer exists.")
        elif not normalized_email(props.get("email")):
            name = display_name_of(props) or f"contact {contact_id}"
            resolved[contact_id] = errors.SyncFailure(
                mapping_errors.CUSTOMER_EMAIL_MISSING,
                f"Customer email missing: {name} has no email address in HubSpot.")
        else:
            unlinked.append(contact_id)
    directory.load_emails(normalized_email(contacts[c]["properties"].get("email")) for c in unlinked)
    return directory, resolved, unlinked


def resolve_customers(
    context: SyncContext, contacts: dict[str, dict[str, Any]], wanted: dict[int, str]
) -> dict[int, CustomerMatch | errors.SyncFailure]:
    """record id → the QuickBooks customer for its contact id (creating missing ones in batches)."""
    directory, resolved, unlinked = _sort_contacts(context, contacts, wanted.values())
    to_create: list[str] = []
    new_links: list[NewLink] = []
    for contact_id in unlinked:
        props = contacts[contact_id]["properties"]
        match = directory.choose(normalized_email(props.get("email")))
        if match is None:
            to_create.append(contact_id)
            continue
        resolved[contact_id] = match
        new_links.append(NewLink(LinkKind.CUSTOMER, contact_id, match.quickbooks_id,
                                 contact_fingerprint(props), label=match.display_name))
    store_links(context, new_links)
    record_for_contact = {c: r for r, c in wanted.items()}
    resolved.update(_create_customers(context, directory, contacts, to_create, record_for_contact))
    return {record_id: resolved[contact_id] for record_id, contact_id in wanted.items()}


def plan_customers(
    context: SyncContext, contacts: dict[str, dict[str, Any]], wanted: dict[str, str]
) -> dict[str, CustomerMatch | errors.SyncFailure]:
    """`resolve_customers` without writing (Preview): key → the customer a run would use. A
    customer the run would create comes back with `created=True` and no QuickBooks id yet."""
    directory, resolved, unlinked = _sort_contacts(context, contacts, wanted.values())
    for contact_id in unlinked:
        props = contacts[contact_id]["properties"]
        email = normalized_email(props.get("email"))
        match = directory.choose(email)
        resolved[contact_id] = match if match is not None else CustomerMatch(
            "", display_name_of(props), note=f"A new QuickBooks customer would be created for {email}.", created=True)
    return {key: resolved[contact_id] for key, contact_id in wanted.items()}


def _create_customers(
    context: SyncContext, directory: CustomerDirectory, contacts: dict[str, dict[str, Any]],
    contact_ids: Sequence[str], record_for_contact: dict[str, int],
) -> dict[str, CustomerMatch | errors.SyncFailure]:
    if not contact_ids:
        return {}
    with customer_creation_lock(context.workspace_id, context.realm_id):
        results = _settled_meanwhile(context, contact_ids)
        left = [c for c in contact_ids if c not in results]
        results.update(_create_unlocked(context, directory, contacts, left, record_for_contact))
    return results


def _settled_meanwhile(context: SyncContext, contact_ids: Sequence[str]) -> dict[str, CustomerMatch | errors.SyncFailure]:
    """What other drains did for these contacts since we looked: creates they left in flight
    (replayed: QuickBooks answers with what they did) and customers they linked."""
    results: dict[str, CustomerMatch | errors.SyncFailure] = {}
    store_customer_outcomes(context, replay(context, unanswered_naming(context, LinkKind.CUSTOMER, contact_ids)),
                            results)
    for contact_id, link in links_by_hubspot_id(context, LinkKind.CUSTOMER, contact_ids).items():
        results[contact_id] = CustomerMatch(link.quickbooks_id, link.quickbooks_label)
    return results


def _create_unlocked(
    context: SyncContext, directory: CustomerDirectory, contacts: dict[str, dict[str, Any]],
    contact_ids: Sequence[str], record_for_contact: dict[str, int],
) -> dict[str, CustomerMatch | errors.SyncFailure]:
    if not contact_ids:
        return {}
    directory.load_names(display_name_of(contacts[c]["properties"]) for c in contact_ids)
    directory.load_names(
        f"{display_name_of(contacts[c]['properties'])} ({normalized_email(contacts[c]['properties'].get('email'))})"
        for c in contact_ids)
    results: dict[str, CustomerMatch | errors.SyncFailure] = {}
    plans: list[tuple[WriteEntry, str, str, dict[str, Any]]] = []
    for contact_id in contact_ids:
        props = contacts[contact_id]["properties"]
        name = directory.free_display_name(props)
        directory.names_taken.add(name.lower())
        entry = WriteEntry(record_for_contact[contact_id], LinkKind.CUSTOMER, contact_id, contact_fingerprint(props))
        plans.append((entry, "create", "Customer", customer_body(props, name)))
    outcomes: list[WriteOutcome] = []
    if len(plans) == 1:
        entry, _, entity, body = plans[0]
        outcomes.append(write_one(context, entity, "create", body, entry))
    else:
        for start in range(0, len(plans), 30):
            outcomes.extend(write_batch(context, plans[start:start + 30]))
    store_customer_outcomes(context, outcomes, results)
    return results


def store_customer_outcomes(
    context: SyncContext, outcomes: Sequence[WriteOutcome], results: dict[str, CustomerMatch | errors.SyncFailure]
) -> None:
    links: list[NewLink] = []
    for outcome in outcomes:
        if outcome.entry.kind != LinkKind.CUSTOMER:
            continue
        contact_id = outcome.entry.hubspot_id
        if outcome.entity is not None:
            name = str(outcome.entity.get("DisplayName") or "")
            links.append(NewLink(LinkKind.CUSTOMER, contact_id, str(outcome.entity["Id"]), outcome.entry.fingerprint,
                                 str(outcome.entity.get("SyncToken") or ""), name))
            results[contact_id] = CustomerMatch(str(outcome.entity["Id"]), name, created=True)
        else:
            message = getattr(outcome.error, "message", str(outcome.error))
            results[contact_id] = errors.SyncFailure(
                errors.VALIDATION_ERROR, f"QuickBooks refused the new customer: {message}")
    store_links(context, links, {o.journal_id for o in outcomes})


def note_customer(context: SyncContext, contact_id: str, contact: dict[str, Any] | None,
                  outcome: CustomerMatch | errors.SyncFailure, trigger: str) -> None:
    """Keep Data → Customers current: one SyncRecord per contact an invoice needed."""
    note_customers(context, [(contact_id, contact, outcome, trigger)])


CUSTOMER_RECORD_KEY = ["workspace", "sync_type", "source_side", "source_account", "source_id"]


def note_customers(context: SyncContext, noted_now: Sequence[tuple[str, dict[str, Any] | None,
                                                                 CustomerMatch | errors.SyncFailure, str]]) -> None:
    """`note_customer` for every contact of a batch: one upsert per kind of outcome and one insert
    of attempts, not a get_or_create, an update and an insert per contact (the bench profile:
    these were a seventh of a backfill's drain)."""
    # A contact billed by many invoices of one drain is noted once per outcome, not once per
    # invoice (the bench profile: these repeated writes were 30 % of a backfill's time).
    noted: dict[str, tuple[str, ...]] = context.cache.setdefault("noted_customers", {})
    now = timezone.now()
    todo: dict[str, tuple[dict[str, Any], CustomerMatch | errors.SyncFailure, str]] = {}
    for contact_id, contact, outcome, trigger in noted_now:
        props = (contact or {}).get("properties") or {}
        label = display_name_of(props) or f"Contact {contact_id}"
        email = normalized_email(props.get("email"))
        if email:
            label = f"{label} <{email}>"
        seen = ((label, outcome.quickbooks_id, outcome.display_name, outcome.note)
                if isinstance(outcome, CustomerMatch) else (label, outcome.kind.key, outcome.message))
        if noted.get(str(contact_id)) == seen:
            continue
        noted[str(contact_id)] = seen
        fields: dict[str, Any] = {"label": label[:255], "updated_at": now, "last_attempt_at": now,
                                  "claimed_until": None, "claimed_by": ""}
        if isinstance(outcome, CustomerMatch):
            fields.update(status=RecordStatus.SUCCESS, destination_id=outcome.quickbooks_id,
                          destination_label=outcome.display_name, error_kind="", error_message="",
                          error_fix="", note=outcome.note, last_success_at=now)
        else:
            fields.update(status=RecordStatus.FAILED, error_kind=outcome.kind.key,
                          error_message=outcome.message, error_fix=outcome.kind.fix, note="")
        todo[str(contact_id)] = (fields, outcome, trigger)
    if not todo:
        return
    key = {"workspace_id": context.workspace_id, "sync_type": "customers", "source_side": SourceSide.HUBSPOT,
           "source_account": context.portal_id}
    records = SyncRecord.objects.filter(**key)
    with transaction.atomic():
        before = {source_id: (status, destination_id) for source_id, status, destination_id in
                  records.select_for_update().filter(source_id__in=list(todo))
                  .values_list("source_id", "status", "destination_id")}
        by_columns: dict[tuple[str, ...], list[SyncRecord]] = {}
        for contact_id, (fields, _, trigger) in todo.items():
            row = SyncRecord(**key, source_id=contact_id, requested_by=trigger, created_at=now, **fields)
            by_columns.setdefault(tuple(sorted(fields)), []).append(row)
        for columns, rows in by_columns.items():
            # An upsert: a contact another drain noted meanwhile is updated, never a duplicate-key error.
            SyncRecord.objects.bulk_create(rows, batch_size=500, update_conflicts=True,
                                           unique_fields=CUSTOMER_RECORD_KEY, update_fields=list(columns))
        changed = [c for c, (fields, _, _) in todo.items()
                   if c not in before or before[c] != (fields["status"], fields.get("destination_id", ""))]
        if not changed:
            return
        pks = dict(records.filter(source_id__in=changed).values_list("source_id", "pk"))
        attempts: list[SyncAttempt] = []
        for contact_id in changed:
            _, outcome, trigger = todo[contact_id]
            if isinstance(outcome, CustomerMatch):
                attempts.append(SyncAttempt(
                    record_id=pks[contact_id], run_id=context.run_id, started_at=now, finished_at=now,
                    outcome=AttemptOutcome.SUCCESS, action="created" if outcome.created else "linked",
                    message=outcome.note, trigger=trigger, changes={"quickbooks_customer": outcome.quickbooks_id}))
            else:
                attempts.append(SyncAttempt(
                    record_id=pks[contact_id], run_id=context.run_id, started_at=now, finished_at=now,
                    outcome=AttemptOutcome.FAILED, error_kind=outcome.kind.key, message=outcome.message,
                    trigger=trigger))
        SyncAttempt.objects.bulk_create(attempts, batch_size=500)


