"""Time helpers: aware UTC inside, QuickBooks' offset-ISO strings on the wire."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# QBO sandbox companies report times in US Pacific; we keep UTC inside and render with -08:00
# like the API examples do (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice).
PACIFIC = timezone(timedelta(hours=-8))


def utcnow() -> datetime:
    return datetime.now(UTC)


def qbo_time(moment: datetime) -> str:
    """`2026-11-27T01:02:03.123-08:00`: the `time` field and MetaData timestamps."""
    local = moment.astimezone(PACIFIC)
    return local.isoformat(timespec="milliseconds")


def metadata_time(moment: datetime) -> str:
    return moment.astimezone(PACIFIC).isoformat(timespec="seconds")


def today() -> date:
    return utcnow().astimezone(PACIFIC).date()


def parse_qbo_datetime(text: str) -> datetime:
    """ISO 8601 date or date-time; a value without offset is taken as Pacific like QBO does."""
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    if len(cleaned) == 10:
        parsed = datetime.fromisoformat(cleaned + "T00:00:00")
    else:
        parsed = datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PACIFIC)
    return parsed.astimezone(UTC)
