"""Keeping access tokens fresh, and telling a revoked grant from a network blip.

`should_refresh` decides; `refresh_connection` does it under the connection's lock, re-reading
the row first so that of two workers racing only one spends the refresh token.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from simplecommercesync.provider_errors import (
    ClientMisconfigured,
    GrantRevoked,
    ProviderError,
    RateLimited,
    Rejected,
    Unreachable,
)

from .models import Cause, Connection, EventKind, Status, record_event
from .oauth import refresh_grant
from .providers import get_provider
from .providers.base import provider_http
from .tokens import erase_tokens, store_token
from .vault import TokenVault

ON_DEMAND_MARGIN = timedelta(minutes=5)
# The periodic pass refreshes a little earlier than calls would, so calls rarely have to wait.
PERIODIC_MARGIN = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=10)


def should_refresh(
    connection: Connection, now: datetime, margin: timedelta = ON_DEMAND_MARGIN, force: bool = False
) -> tuple[bool, str]:
    if connection.status != Status.CONNECTED:
        return False, "not connected"
    if not connection.refresh_token_encrypted:
        return False, "no refresh token stored"
    if force:
        return True, "the provider refused the current access token"
    if connection.next_refresh_attempt_at and now < connection.next_refresh_attempt_at:
        return False, "waiting to retry after a failed refresh"
    if connection.access_expires_at is None:
        return True, "expiry unknown"
    remaining = connection.access_expires_at - now
    if remaining <= margin:
        return True, f"expires in {max(0, int(remaining.total_seconds()))} s"
    return False, f"valid for {int(remaining.total_seconds())} s"


def retry_delay(failures: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(0, failures - 1)), LONGEST_RETRY)


def refresh_connection(
    connection_id: int, *, margin: timedelta = ON_DEMAND_MARGIN, force: bool = False
) -> Connection:
    from .locks import connection_lock

    with connection_lock(connection_id):
        connection = Connection.objects.get(pk=connection_id)
        now = timezone.now()
        due, _reason = should_refresh(connection, now, margin, force)
        if not due:
            return connection
        provider = get_provider(connection.provider)
        refresh_token = TokenVault().open(connection.refresh_token_encrypted)
        try:
            with provider_http() as http:
                token_url = provider.endpoints(http).token_url
            token = refresh_grant(provider, token_url, refresh_token)
        except GrantRevoked as exc:
            mark_revoked(connection, f"Refresh refused: {exc.message}", EventKind.REFRESH_FAILED)
            return connection
        except (Unreachable, RateLimited, ClientMisconfigured, Rejected) as exc:
            note_refresh_failure(connection, exc, timezone.now())
            return connection
        store_token(connection, provider, token, now)
        connection.last_refresh_at = now
        connection.clear_refresh_trouble()
        connection.save()
        record_event(connection, EventKind.REFRESHED, f"Access token refreshed ({_reason}).")
    schedule_refresh(connection)
    return connection


def mark_revoked(connection: Connection, detail: str, kind: str = EventKind.DISCONNECTED) -> None:
    provider = get_provider(connection.provider)
    erase_tokens(connection)
    connection.status = Status.DISCONNECTED
    connection.cause = Cause.REVOKED
    connection.cause_detail = detail
    connection.disconnected_at = timezone.now()
    connection.disconnected_by = None
    connection.clear_refresh_trouble()
    connection.save()
    record_event(
        connection,
        kind,
        f"{provider.name} no longer accepts the authorization. {detail}",
        cause=Cause.REVOKED,
    )


def note_refresh_failure(connection: Connection, error: ProviderError, now: datetime) -> None:
    """A transient failure: retry with backoff; disconnect only once access has expired and the
    trouble has lasted the whole grace period."""
    connection.refresh_failures += 1
    connection.refresh_failing_since = connection.refresh_failing_since or now
    connection.last_refresh_error = error.message
    delay = retry_delay(connection.refresh_failures)
    if isinstance(error, RateLimited):
        delay = max(delay, timedelta(seconds=error.retry_after))
    connection.next_refresh_attempt_at = now + delay
    grace = timedelta(seconds=settings.SCS_REFRESH_GRACE_SECONDS)
    expired = connection.access_expires_at is None or connection.access_expires_at <= now
    if expired and now - connection.refresh_failing_since >= grace:
        erase_tokens(connection)
        connection.status = Status.DISCONNECTED
        connection.cause = Cause.NETWORK
        connection.cause_detail = f"Last error: {error.message}"
        connection.disconnected_at = now
        connection.disconnected_by = None
        connection.save()
        record_event(
            connection,
            EventKind.DISCONNECTED,
            f"Refresh kept failing for longer than the grace period. Last error: {error.message}",
            cause=Cause.NETWORK,
        )
        return
    connection.save()
    record_event(
        connection,
        EventKind.REFRESH_FAILED,
        f"Couldn't refresh (attempt {connection.refresh_failures}): {error.message}. "
        f"Retrying in {int(delay.total_seconds())} s.",
        cause=Cause.NETWORK,
    )
    schedule_refresh(connection)


def schedule_refresh(connection: Connection) -> None:
    """Queue the next refresh for just before expiry (or the next retry after a failure)."""
    from .tasks import refresh_connection_task

    if connection.status != Status.CONNECTED:
        return
    when = connection.next_refresh_attempt_at
    if when is None and connection.access_expires_at is not None:
        when = connection.access_expires_at - PERIODIC_MARGIN
    if when is None:
        return
    refresh_connection_task.schedule(args=(connection.pk,), eta=max(when, timezone.now()))


class ConnectionUnavailable(Exception):
    def __init__(self, connection: Connection) -> None:
        super().__init__(f"{connection.provider} connection is {connection.status}")
        self.connection = connection


def access_token_for(connection: Connection) -> str:
    """A usable access token, refreshing first when fewer than five minutes remain."""
    due, _ = should_refresh(connection, timezone.now())
    if due:
        connection = refresh_connection(connection.pk)
    if connection.status != Status.CONNECTED or not connection.access_token_encrypted:
        raise ConnectionUnavailable(connection)
    return TokenVault().open(connection.access_token_encrypted)
