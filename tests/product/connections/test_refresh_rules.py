"""should_refresh decides every refresh; its rules as a table."""

from datetime import UTC, datetime, timedelta

import pytest

from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.connections.refresh import retry_delay, should_refresh

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def connection(**fields) -> Connection:
    values = {
        "status": Status.CONNECTED,
        "refresh_token_encrypted": "sealed",
        "access_expires_at": NOW + timedelta(minutes=30),
    }
    values.update(fields)
    return Connection(**values)


@pytest.mark.parametrize(
    ("fields", "force", "due", "reason"),
    [
        ({}, False, False, "valid for 1800 s"),
        ({"access_expires_at": NOW + timedelta(minutes=5)}, False, True, "expires in 300 s"),
        ({"access_expires_at": NOW + timedelta(minutes=4)}, False, True, "expires in 240 s"),
        ({"access_expires_at": NOW - timedelta(minutes=1)}, False, True, "expires in 0 s"),
        ({"access_expires_at": None}, False, True, "expiry unknown"),
        ({"status": Status.DISCONNECTED}, True, False, "not connected"),
        ({"status": Status.NOT_CONNECTED}, False, False, "not connected"),
        ({"refresh_token_encrypted": ""}, False, False, "no refresh token stored"),
        ({}, True, True, "the provider refused the current access token"),
        (
            {"access_expires_at": NOW, "next_refresh_attempt_at": NOW + timedelta(seconds=30)},
            False,
            False,
            "waiting to retry after a failed refresh",
        ),
        (
            {"access_expires_at": NOW, "next_refresh_attempt_at": NOW - timedelta(seconds=1)},
            False,
            True,
            "expires in 0 s",
        ),
    ],
)
def test_should_refresh(fields: dict, force: bool, due: bool, reason: str) -> None:
    assert should_refresh(connection(**fields), NOW, force=force) == (due, reason)


def test_periodic_margin_refreshes_earlier() -> None:
    soon = connection(access_expires_at=NOW + timedelta(minutes=8))
    assert should_refresh(soon, NOW)[0] is False
    assert should_refresh(soon, NOW, margin=timedelta(minutes=10))[0] is True


@pytest.mark.parametrize(("failures", "seconds"), [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (20, 600)])
def test_retry_backoff_doubles_up_to_ten_minutes(failures: int, seconds: int) -> None:
    assert retry_delay(failures) == timedelta(seconds=seconds)
