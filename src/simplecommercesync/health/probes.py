"""Each probe answers (ok, detail) without raising, so /readyz can report every dependency."""

from __future__ import annotations

from django.db import connection
from huey.contrib.djhuey import HUEY


def database_ready() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return False, f"{type(exc).__name__}: database unreachable"
    return True, connection.vendor


def queue_ready() -> tuple[bool, str]:
    try:
        pending = HUEY.pending_count()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return False, f"{type(exc).__name__}: queue unreachable"
    return True, f"{type(HUEY).__name__}, {pending} pending"
