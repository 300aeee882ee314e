"""CSV export of a Data table, streamed row by row so 100,000 records never sit in memory.

Spreadsheet apps run a cell that starts with = + - @ (or a tab/CR) as a formula, so such text
cells get a leading apostrophe (OWASP "CSV Injection"). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from simplecommercesync.providers.hubspot.record_pages import hubspot_record_url
from simplecommercesync.providers.quickbooks.record_pages import quickbooks_record_url
from simplecommercesync.sync.catalogue import SyncType, error_kind
from simplecommercesync.sync.models import RecordStatus, SyncRecord

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "Status", "HubSpot id", "Name", "QuickBooks id", "QuickBooks number", "Last attempt", "Last success",
    "Error", "Message", "Fix", "Note", "Total difference", "HubSpot link", "QuickBooks link",
]


def safe_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer writes into this and we hand each line straight to the response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: QuerySet[SyncRecord], sync_type: SyncType, zone: zoneinfo.ZoneInfo) -> Iterator[str]:
    # The response is streamed after the view returns and the time-zone middleware has reset,
    # so times are converted to the workspace's zone here, explicitly.
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    statuses = dict(RecordStatus.choices)
    for record in rows.iterator(chunk_size=2000):
        kind = error_kind(record.error_kind) if record.error_kind else None
        yield writer.writerow([safe_cell(v) for v in (
            statuses.get(record.status, record.status),
            record.source_id,
            record.label,
            record.destination_id,
            record.destination_label,
            _local(record.last_attempt_at, zone),
            _local(record.last_success_at, zone),
            kind.title if kind else record.error_kind,
            record.error_message,
            record.error_fix,
            record.note,
            record.total_difference,
            hubspot_record_url(record.source_account, sync_type.hubspot_object, record.source_id),
            quickbooks_record_url(sync_type.quickbooks_entity, record.destination_id),
        )])


def _local(moment: Any, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""
