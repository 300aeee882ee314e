"""What the sync engine stores: the queue of record, every attempt, runs, cursors, links, settings.

`SyncRecord` *is* the queue: a trigger upserts one row per source object to Pending, a drain
claims rows with a lease and ends each Success or Failed (or Pending again with a backoff time).
`RecordLink` says which HubSpot object is which QuickBooks object, per portal + company, so links
never carry over when either side is switched. `QuickBooksWrite` is the journal of writes that may
have reached QuickBooks; replaying one with its own `requestid` is what makes writes exactly once.
"""

from __future__ import annotations

from decimal import Decimal

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


class LineItemChange(models.Model):
    """A HubSpot line item changed: its invoice must sync again. Stored by the webhook, resolved to
    invoices by the next invoices drain (one associations batch call per 1,000), and deleted in
    the transaction that queues those invoices, so a killed worker never loses the change."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    hubspot_portal_id = models.CharField(max_length=32)
    line_item_id = models.CharField(max_length=64)
    # Bumped by a repeated change; a row changed while it was being resolved is kept for the next pass.
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hubspot_portal_id", "line_item_id"], name="one_change_per_line_item"
            )
        ]

    def __str__(self) -> str:
        return f"line item {self.line_item_id}@{self.hubspot_portal_id}"


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


INVOICE_STATUSES = ("draft", "open", "paid", "voided")


def default_invoice_statuses() -> list[str]:
    return ["open", "paid"]


class InvoiceSyncSettings(models.Model):
    """Settings → Sync → Invoices of one workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="invoice_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    # Only HubSpot → QuickBooks is built; the other direction is shown disabled with that reason.
    direction = models.CharField(
        max_length=32, choices=SyncDirection.choices, default=SyncDirection.HUBSPOT_TO_QUICKBOOKS
    )
    # HubSpot `hs_invoice_status` values that sync (subset of INVOICE_STATUSES).
    status_filter = models.JSONField(default=default_invoice_statuses)
    # Ignore invoices an integration created (including this product), so nothing loops.
    skip_integration_source = models.BooleanField(default=True)
    # Voiding in HubSpot voids the QuickBooks invoice.
    sync_void_status = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"invoice sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


class UnmappedTaxBehavior(models.TextChoices):
    DEFAULT_CODE = "default_code", "Use Default Tax Code"
    TAXABLE = "taxable", "Mark as Taxable (TAX)"
    NON_TAXABLE = "non_taxable", "Mark as Non-Taxable (NON)"
    STRICT = "strict", "Fail the Sync (Strict Mode)"


class ReverseUnmappedTaxBehavior(models.TextChoices):
    NO_TAX = "no_tax", "Leave the Line Without a Tax Rate"
    STRICT = "strict", "Fail the Sync (Strict Mode)"


class TaxSettings(models.Model):
    """Settings → Sync → Tax of one workspace (the mappings themselves are `TaxMapping` rows)."""

    workspace = models.OneToOneField("accounts.Workspace", on_delete=models.CASCADE, related_name="tax_settings")
    mapping_enabled = models.BooleanField(default=True)
    unmapped_behavior = models.CharField(
        max_length=16, choices=UnmappedTaxBehavior.choices, default=UnmappedTaxBehavior.TAXABLE
    )
    # QuickBooks TaxCode id used by "Use Default Tax Code".
    default_tax_code_id = models.CharField(max_length=32, blank=True)
    # QuickBooks → HubSpot (estimates, invoices): a tax code no active mapping names.
    reverse_unmapped_behavior = models.CharField(
        max_length=16, choices=ReverseUnmappedTaxBehavior.choices, default=ReverseUnmappedTaxBehavior.NO_TAX
    )
    # When Refresh Cache last loaded both sides' rates and codes.
    cache_refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"tax settings of {self.workspace_id}"


class TaxMapping(models.Model):
    """HubSpot tax rate → QuickBooks tax code, for one portal + company pair."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="tax_mappings")
    hubspot_portal_id = models.CharField(max_length=32)
    quickbooks_realm_id = models.CharField(max_length=32)
    hubspot_tax_rate_id = models.CharField(max_length=64)
    quickbooks_tax_code_id = models.CharField(max_length=32)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hubspot_portal_id", "quickbooks_realm_id", "hubspot_tax_rate_id"],
                name="one_mapping_per_tax_rate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hubspot_tax_rate_id} → {self.quickbooks_tax_code_id}"


class HubSpotTaxRate(models.Model):
    """Cached HubSpot tax rate (Refresh Cache), for pickers and the Current Mappings table."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    hubspot_portal_id = models.CharField(max_length=32)
    rate_id = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    label = models.CharField(max_length=255, blank=True)
    percentage = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "hubspot_portal_id", "rate_id"], name="one_cached_hubspot_tax_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percentage} %)"


class QuickBooksTaxCode(models.Model):
    """Cached QuickBooks tax code (Refresh Cache). US companies also get the TAX/NON pseudo-codes."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    quickbooks_realm_id = models.CharField(max_length=32)
    code_id = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    # Sum of the sales rates of the code, when QuickBooks tells (informational).
    percentage = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "quickbooks_realm_id", "code_id"], name="one_cached_quickbooks_tax_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaxModel(models.TextChoices):
    US_AUTOMATED = "us_automated", "US automated sales tax (TAX/NON per line)"
    PER_LINE_CODE = "per_line_code", "A tax code on every line"


class QuickBooksCompanyFacts(models.Model):
    """What a company's Preferences and CompanyInfo say that changes how invoices are written."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    quickbooks_realm_id = models.CharField(max_length=32)
    country = models.CharField(max_length=8, blank=True)
    home_currency = models.CharField(max_length=8, blank=True)
    tax_model = models.CharField(max_length=16, choices=TaxModel.choices, default=TaxModel.US_AUTOMATED)
    multicurrency = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "quickbooks_realm_id"], name="one_facts_per_company")
        ]

    def __str__(self) -> str:
        return f"{self.quickbooks_realm_id}: {self.tax_model}"


# -- Products (issue 13) ------------------------------------------------------------------------


class ProductTransform(models.TextChoices):
    DIRECT = "direct", "Direct"
    UPPERCASE = "uppercase", "Uppercase"
    LOWERCASE = "lowercase", "Lowercase"
    CURRENCY = "currency", "Currency"


class ProductSyncSettings(models.Model):
    """Settings → Sync → Products of one workspace (added field mappings are `ProductFieldMapping`)."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="product_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    # The source of truth: products are read on this side and written to the other.
    direction = models.CharField(
        max_length=32, choices=SyncDirection.choices, default=SyncDirection.HUBSPOT_TO_QUICKBOOKS
    )
    # QuickBooks Account id new items get as IncomeAccountRef; blank: the company's product income
    # account, chosen when first needed (`products.default_income_account`).
    income_account_id = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"product sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


class ProductFieldMapping(models.Model):
    """One added mapping (Manage Mappings): a HubSpot product property ↔ a QuickBooks item field.

    Values flow from the source of truth to the other side; the transform is applied on the way.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="product_mappings")
    hubspot_property = models.CharField(max_length=100)
    # A key of `products.QUICKBOOKS_ITEM_FIELDS` ("PurchaseDesc", "PurchaseCost", …).
    quickbooks_field = models.CharField(max_length=32)
    transform = models.CharField(max_length=16, choices=ProductTransform.choices, default=ProductTransform.DIRECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "quickbooks_field"], name="one_mapping_per_item_field"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hubspot_property} ↔ {self.quickbooks_field} ({self.transform})"


# -- Failure alerts (issue 13) ------------------------------------------------------------------


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


# -- Payments (issue 11) -----------------------------------------------------------------------
# HubSpot `hs_latest_status` values a person can pick in the Payment Status Filter. Failed and
# canceled payments never sync; a partially refunded payment counts as Succeeded.
PAYMENT_STATUSES = ("processing", "succeeded", "refunded")


def default_payment_statuses() -> list[str]:
    return ["succeeded"]


class PaymentSyncSettings(models.Model):
    """Settings → Sync → Payments of one workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="payment_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    # HubSpot payment statuses that sync (subset of PAYMENT_STATUSES).
    status_filter = models.JSONField(default=default_payment_statuses)
    # On: a payment syncs only once its invoice has, applied to it. Off: it may go unapplied.
    require_invoice = models.BooleanField(default=True)
    # A refund in HubSpot becomes a RefundReceipt in QuickBooks and reopens the invoice there.
    sync_refunds = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"payment sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


class PaymentInvoice(models.Model):
    """A payment's HubSpot invoice: what Data → Payments shows it belongs to, and, while
    `waiting`, the invoice whose successful sync sends the payment again by itself."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    payment_record = models.ForeignKey(SyncRecord, on_delete=models.CASCADE, related_name="payment_invoices")
    hubspot_invoice_id = models.CharField(max_length=64)
    invoice_label = models.CharField(max_length=255, blank=True)
    # The QuickBooks invoice the payment is applied to ("" while not applied).
    quickbooks_invoice_id = models.CharField(max_length=64, blank=True)
    applied_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    waiting = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment_record", "hubspot_invoice_id"], name="one_row_per_payment_invoice")
        ]
        indexes = [models.Index(fields=["workspace", "hubspot_invoice_id"], name="payment_invoice_lookup")]

    def __str__(self) -> str:
        return f"payment record {self.payment_record_id} → invoice {self.hubspot_invoice_id}"


# -- Quotes ↔ estimates, QuickBooks triggers (issue 12) ------------------------------------------


class QuoteDirection(models.TextChoices):
    HUBSPOT_TO_QUICKBOOKS = "hubspot_to_quickbooks", "HubSpot to QuickBooks"
    QUICKBOOKS_TO_HUBSPOT = "quickbooks_to_hubspot", "QuickBooks to HubSpot"
    BIDIRECTIONAL = "bidirectional", "Bidirectional"


# HubSpot `hs_status` values a person can check in Sync Statuses (DECLINED is the customer's own
# answer on a published quote; it syncs like Rejected and is not offered separately).
QUOTE_STATUSES = ("DRAFT", "PENDING_APPROVAL", "REJECTED", "APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED")


def default_quote_statuses() -> list[str]:
    return ["APPROVED", "APPROVAL_NOT_NEEDED", "ACCEPTED"]


class QuoteSyncSettings(models.Model):
    """Settings → Sync → Quotes of one workspace."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="quote_sync_settings"
    )
    enabled = models.BooleanField(default=False)
    direction = models.CharField(
        max_length=32, choices=QuoteDirection.choices, default=QuoteDirection.HUBSPOT_TO_QUICKBOOKS
    )
    # HubSpot quote statuses (QUOTE_STATUSES) whose quotes sync, whichever side changed.
    status_filter = models.JSONField(default=default_quote_statuses)
    # A voided quote (archived in HubSpot) closes the estimate, and a closed estimate that was never
    # invoiced (or a deleted one) archives the quote.
    sync_void_status = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"quote sync of {self.workspace_id} ({'on' if self.enabled else 'off'})"


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


class QuickBooksWebhookEvent(models.Model):
    """An Intuit webhook event already taken: a redelivery with the same id is answered, not redone."""

    event_id = models.CharField(max_length=200, unique=True)
    realm_id = models.CharField(max_length=32)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.event_id} ({self.realm_id})"
