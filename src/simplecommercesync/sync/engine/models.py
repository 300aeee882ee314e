"""What the sync engine stores: the queue of record, every attempt, runs, cursors, links, the
write journal, failure digests and two-way state.

`SyncRecord` *is* the queue: a trigger upserts one row per source object to Pending, a drain
claims rows with a lease and ends each Success or Failed (or Pending again with a backoff time).
`RecordLink` says which HubSpot object is which QuickBooks object, per portal + company, so links
never carry over when either side is switched. `QuickBooksWrite` is the journal of writes that may
have reached QuickBooks; replaying one with its own `requestid` is what makes writes exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RecordStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"


class SourceSide(models.TextChoices):
    HUBSPOT = "hubspot", "HubSpot"
    QUICKBOOKS = "quickbooks", "QuickBooks"


class SyncRecord(models.Model):
    """One source object of one sync type in one workspace: its place in the queue and its outcome.

    Unique per (workspace, sync type, source side, source account, source id), so upserting it to
    Pending deduplicates triggers by itself. Pages list these rows (Data → Invoices/Customers).
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="sync_records")
    # A key of `sync.registry.SYNC_TYPES`: "invoices", "customers", …
    sync_type = models.CharField(max_length=32)
    source_side = models.CharField(max_length=16, choices=SourceSide.choices, default=SourceSide.HUBSPOT)
    # The portal id or realm id the source object lives in: ids are only unique within one account.
    source_account = models.CharField(max_length=64)
    source_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    # What people call the object (invoice number, contact name/email), for tables and search.
    label = models.CharField(max_length=255, blank=True)
    # The other side's id and number once written (QuickBooks invoice id, DocNumber).
    destination_id = models.CharField(max_length=64, blank=True)
    destination_label = models.CharField(max_length=255, blank=True)

    # Queue bookkeeping. A claimed row belongs to one drain until `claimed_until`; after that any
    # drain may take it again (the worker that held it is presumed dead).
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # Pending rows are not claimed before this time (backoff after a transient failure).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the row last became Pending, to measure trigger → result latency.
    requested_at = models.DateTimeField(default=timezone.now)
    # What woke it last: webhook, poll, sync_now, retry, catch_up, backfill.
    requested_by = models.CharField(max_length=32, blank=True)
    # Consecutive transient failures; reset on success. Decides the backoff.
    transient_failures = models.PositiveIntegerField(default=0)

    # The outcome shown on screen (blank while Pending/Success without remarks).
    error_kind = models.CharField(max_length=48, blank=True)
    error_message = models.TextField(blank=True)
    error_fix = models.TextField(blank=True)
    # A remark on a success: chosen among several customers, totals differ, … (plain words).
    note = models.TextField(blank=True)
    # QuickBooks TotalAmt minus HubSpot's billed amount after the last sync, when they differ.
    total_difference = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "sync_type", "source_side", "source_account", "source_id"],
                name="one_sync_record_per_source_object",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "sync_type", "status", "next_attempt_at"], name="sync_record_queue"),
            models.Index(fields=["workspace", "sync_type", "status", "updated_at"], name="sync_record_listing"),
            # Data pages with a search but no status filter, and their CSV export, read newest first
            # across all statuses: this walks in that order instead of sorting the whole table.
            models.Index(fields=["workspace", "sync_type", "updated_at", "id"], name="sync_record_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.sync_type} {self.source_side}:{self.source_id} ({self.status})"


class AttemptOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    RETRY = "retry", "Will retry"
    HELD = "held", "Held (syncs paused)"
    SKIPPED = "skipped", "Skipped"


class SyncAttempt(models.Model):
    """One try at one record, kept forever: when, how it ended, the provider request ids, what changed."""

    record = models.ForeignKey(SyncRecord, on_delete=models.CASCADE, related_name="attempts")
    run = models.ForeignKey("SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    # created / updated / voided / unchanged / skipped / none
    action = models.CharField(max_length=16, blank=True)
    error_kind = models.CharField(max_length=48, blank=True)
    message = models.TextField(blank=True)
    # QuickBooks `requestid`s and HubSpot correlation ids of the calls this attempt made.
    request_ids = models.JSONField(default=list, blank=True)
    # {"field": [before, after]} of what was written, or the plan of a create.
    changes = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of {self.record_id}: {self.outcome}"


class RunKind(models.TextChoices):
    DRAIN = "drain", "Queue drain"
    FULL = "full", "Full sync"
    POLL = "poll", "Poll for changes"
    CATCH_UP = "catch_up", "Catch-up after reconnect"


class SyncRun(models.Model):
    """One pass of a sync type: a drain of the queue, a full backfill, a poll or a catch-up."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="sync_runs")
    sync_type = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Records queued (full/poll/catch_up) or processed (drain).
    queued = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    retried = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.sync_type} in {self.workspace_id}"


class SyncCursor(models.Model):
    """A polling bookmark: the newest source change time fully read (never later than a run's start)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="sync_cursors")
    sync_type = models.CharField(max_length=32)
    # The account the cursor reads (portal id): a switched portal starts its own cursor.
    source_account = models.CharField(max_length=64)
    # What it tracks, e.g. "invoices.hs_lastmodifieddate".
    name = models.CharField(max_length=64)
    value = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "sync_type", "source_account", "name"], name="one_cursor_per_stream"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sync_type}/{self.name}@{self.source_account} = {self.value}"


class LinkKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CUSTOMER = "customer", "Customer"
    PRODUCT = "product", "Product"
    QUOTE = "quote", "Quote"


class RecordLink(models.Model):
    """This HubSpot object is that QuickBooks object, within one portal + company pair.

    Unique on each side's id per (workspace, kind, portal, realm): a new portal or company starts
    with no links, so nothing written for the old pair is ever updated by mistake.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="record_links")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    hubspot_portal_id = models.CharField(max_length=32)
    quickbooks_realm_id = models.CharField(max_length=32)
    hubspot_id = models.CharField(max_length=64)
    quickbooks_id = models.CharField(max_length=64)
    # Fingerprint of the source content last written; equal fingerprint → nothing to write.
    fingerprint = models.CharField(max_length=64, blank=True)
    # The QuickBooks object's SyncToken after our last write (needed to update it).
    quickbooks_sync_token = models.CharField(max_length=16, blank=True)
    # DocNumber of an invoice, DisplayName of a customer.
    quickbooks_label = models.CharField(max_length=255, blank=True)
    linked_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "hubspot_portal_id", "quickbooks_realm_id", "hubspot_id"],
                name="one_link_per_hubspot_object",
            ),
            models.UniqueConstraint(
                fields=["workspace", "kind", "hubspot_portal_id", "quickbooks_realm_id", "quickbooks_id"],
                name="one_link_per_quickbooks_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.hubspot_id} ↔ {self.quickbooks_id}"


class WriteState(models.TextChoices):
    SENT = "sent", "Sent, answer not yet stored"
    ANSWERED = "answered", "Answered"


class QuickBooksWrite(models.Model):
    """A QuickBooks write journaled *before* it is sent: request id, exact body, and its records.

    If the worker dies after sending, the row stays `sent`; the next drain replays this exact
    request with this exact `requestid`, so QuickBooks returns the first result instead of writing
    twice. A batch's requestid replays only the identical batch, which is why the body is kept.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    quickbooks_realm_id = models.CharField(max_length=32)
    request_id = models.CharField(max_length=64, unique=True)
    # "batch", or the entity of a single create/update ("Invoice", "Customer").
    operation = models.CharField(max_length=32)
    body = models.JSONField()
    # The records this write answers for, in body order: {record, kind, hubspot_id, fingerprint}.
    record_ids = models.JSONField(default=list)
    state = models.CharField(max_length=16, choices=WriteState.choices, default=WriteState.SENT)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "state"], name="qbo_write_unanswered")]

    def __str__(self) -> str:
        return f"{self.operation} {self.request_id} ({self.state})"


class SyncDirection(models.TextChoices):
    HUBSPOT_TO_QUICKBOOKS = "hubspot_to_quickbooks", "HubSpot to QuickBooks"
    QUICKBOOKS_TO_HUBSPOT = "quickbooks_to_hubspot", "QuickBooks to HubSpot"


class FailureDigest(models.Model):
    """One failure-alert e-mail of one sync type: when it went out and up to when it looked.

    The newest row per (workspace, sync type) is the cursor: the next digest lists failures after
    its `covered_until`, and no digest goes out within an hour of its `sent_at`.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    sync_type = models.CharField(max_length=32)
    sent_at = models.DateTimeField(default=timezone.now)
    # Failures that finished at or before this time are in this digest or an earlier one.
    covered_until = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)
    recipients = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["workspace", "sync_type", "sent_at"], name="failure_digest_latest")]
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sync_type} digest of {self.workspace_id} at {self.sent_at:%Y-%m-%d %H:%M}"


class TwoWayState(models.Model):
    """What both sides of a linked pair looked like right after our last sync of it.

    A side whose fingerprint still matches did not change since (our own write included), so it
    is never written back; when both changed, their own modification times say which is newer.
    """

    link = models.OneToOneField(RecordLink, on_delete=models.CASCADE, related_name="two_way")
    hubspot_fingerprint = models.CharField(max_length=64, blank=True)
    quickbooks_fingerprint = models.CharField(max_length=64, blank=True)
    hubspot_modified_at = models.DateTimeField(null=True, blank=True)
    quickbooks_modified_at = models.DateTimeField(null=True, blank=True)
    # "hubspot" or "quickbooks": the side last written by us.
    last_written_side = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"two-way state of {self.link_id}"
