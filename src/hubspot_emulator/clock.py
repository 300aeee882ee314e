"""Time and id helpers: aware UTC everywhere, HubSpot's wire formats in one place."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """HubSpot's timestamp format: ISO 8601 in UTC with milliseconds, e.g. 2024-05-01T10:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def correlation_id() -> str:
    return str(uuid.uuid4())


def opaque_token(prefix: str, length: int = 48) -> str:
    """A bearer-token-looking random string (HubSpot access tokens are opaque, e.g. `CJSP5q...`)."""
    return prefix + secrets.token_urlsafe(length)[:length]
