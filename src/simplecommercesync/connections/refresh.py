"""Keeping access tokens fresh, and telling a grant the provider ended from every other failure.

The rules that keep a still-valid grant from ever being erased by us:
- No database transaction is open while a provider is called: the per-connection lock is a Redis
  lock or a lease row (locks.py), and every write here is one conditional UPDATE in autocommit.
- A refresh answer is saved at once, and only if the row still holds the refresh token that was
  spent; a Disconnect, a portal/company switch or another worker's rotation meanwhile wins, and the
  token we got is discarded (and revoked when its grant is no longer the connection's).
- Only the token endpoint saying the grant is gone (`invalid_grant`) erases tokens. Network
  trouble, a refused client id/secret or any other odd answer keeps them and retries.
- A refresh whose answer was lost (read timeout) is remembered; if the provider rotates refresh
  tokens, a following `invalid_grant` is "may have rotated while the network failed", not "revoked".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from simplecommercesync.connections.errors import ConnectionUnavailable
from simplecommercesync.connections.locks import connection_lock
from simplecommercesync.connections.models import (
    RECOVERABLE_CAUSES,
    Cause,
    Connection,
    EventKind,
    Status,
    Trouble,
    record_event,
)
from simplecommercesync.connections.oauth import refresh_grant
from simplecommercesync.connections.signals import connection_healthy, refresh_due
from simplecommercesync.connections.tokens import sealed_token_fields
from simplecommercesync.connections.vault import TokenUnreadable, TokenVault
from simplecommercesync.providers.base import Provider, provider_http
from simplecommercesync.providers.http.errors import (
    ClientMisconfigured,
    GrantRevoked,
    ProviderError,
    RateLimited,
    Rejected,
    Unreachable,
)
from simplecommercesync.providers.registry import get_provider

ON_DEMAND_MARGIN = timedelta(minutes=5)
# The periodic pass refreshes a little earlier than calls would, so calls rarely have to wait.
PERIODIC_MARGIN = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=10)
CAUSE_OF_TROUBLE = {
    Trouble.NETWORK: Cause.NETWORK,
    Trouble.CLIENT_REJECTED: Cause.CLIENT_REJECTED,
    Trouble.PROVIDER_REFUSING: Cause.PROVIDER_REFUSING,
}
CLEARED_TROUBLE: dict[str, Any] = {
    "refresh_failures": 0,
    "refresh_failing_since": None,
    "next_refresh_attempt_at": None,
    "last_refresh_error": "",
    "trouble": Trouble.NONE,
    "refresh_outcome_unknown_at": None,
}


@dataclass
class RefreshOutcome:
    connection: Connection
    refreshed: bool = False
    error: ProviderError | None = None


def should_refresh(
    connection: Connection, now: datetime, margin: timedelta = ON_DEMAND_MARGIN, force: bool = False
) -> tuple[bool, str]:
    if not connection.keeps_refreshing:
        return False, "not connected"
    if not connection.refresh_token_encrypted:
        return False, "no refresh token stored"
    if force:
        return True, "the provider refused the current access token"
    if connection.next_refresh_attempt_at and now < connection.next_refresh_attempt_at:
        return False, "waiting to retry after a failed refresh"
    if connection.status != Status.CONNECTED:
        return True, "trying to recover"
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
    return refresh_now(connection_id, margin=margin, force=force).connection


def refresh_now(
    connection_id: int,
    *,
    margin: timedelta = ON_DEMAND_MARGIN,
    force: bool = False,
    rejected_token: str | None = None,
) -> RefreshOutcome:
    """Refresh if due (or forced); `rejected_token` skips the refresh when another process has
    already replaced that access token since it was refused."""
    with connection_lock(connection_id):
        connection = Connection.objects.get(pk=connection_id)
        if rejected_token is not None and _access_token_replaced(connection, rejected_token):
            return RefreshOutcome(connection, refreshed=connection.is_connected)
        now = timezone.now()
        due, reason = should_refresh(connection, now, margin, force)
        if not due:
            return RefreshOutcome(connection)
        outcome = _spend_refresh_token(connection, reason, now)
    schedule_refresh(outcome.connection)
    return outcome


def _access_token_replaced(connection: Connection, rejected_token: str) -> bool:
    try:
        return TokenVault().open(connection.access_token_encrypted) != rejected_token
    except TokenUnreadable:
        return False


def _still_holding(connection: Connection, spent: str) -> QuerySet[Connection]:
    """The row, only while it still holds the refresh token we spent and still wants refreshing."""
    return Connection.objects.filter(pk=connection.pk, refresh_token_encrypted=spent).filter(
        Q(status=Status.CONNECTED) | Q(status=Status.DISCONNECTED, cause__in=RECOVERABLE_CAUSES)
    )


def _spend_refresh_token(connection: Connection, reason: str, now: datetime) -> RefreshOutcome:
    provider = get_provider(connection.provider)
    spent = connection.refresh_token_encrypted
    try:
        refresh_token = TokenVault().open(spent)
    except TokenUnreadable:
        connection = mark_unreadable(connection)
        return RefreshOutcome(connection, error=ConnectionUnavailable(connection))
    try:
        with provider_http() as http:
            token_url = provider.endpoints(http).token_url
        token = refresh_grant(provider, token_url, refresh_token)
    except GrantRevoked as exc:
        return RefreshOutcome(_grant_refused(connection, spent, provider, exc), error=exc)
    except (Unreachable, RateLimited, ClientMisconfigured, Rejected) as exc:
        return RefreshOutcome(note_refresh_failure(connection, spent, exc, timezone.now()), error=exc)
    # Saved at once, in its own statement, before anything else can fail: a rotated refresh token
    # that we don't keep is a grant lost.
    recovering = connection.status != Status.CONNECTED
    fields = sealed_token_fields(provider, token, now)
    saved = _still_holding(connection, spent).update(
        **fields,
        **CLEARED_TROUBLE,
        last_refresh_at=now,
        status=Status.CONNECTED,
        cause=Cause.NONE,
        cause_detail="",
        disconnected_at=None,
    )
    current = Connection.objects.get(pk=connection.pk)
    if not saved:
        _discard_orphan(connection, current, provider, token)
        return RefreshOutcome(current)
    connection = current
    if recovering:
        record_event(
            connection, EventKind.RECOVERED, f"{provider.name} accepted a refresh again; reconnected."
        )
        connection_healthy.send(
            sender=Connection, workspace_id=connection.workspace_id, provider=provider.key
        )
    else:
        record_event(connection, EventKind.REFRESHED, f"Access token refreshed ({reason}).")
    return RefreshOutcome(connection, refreshed=True)


def _discard_orphan(
    spent_for: Connection, now: Connection, provider: Provider, token: dict[str, Any]
) -> None:
    """The row changed while we refreshed. If it no longer uses that grant (disconnected, or another
    account), hand the tokens we got back; if it still uses that account (a reconnect, or another
    worker's rotation), revoking could end the grant it uses, so they are only dropped."""
    if now.status == Status.CONNECTED and now.account_id == spent_for.account_id:
        return
    try:
        with provider_http() as http:
            provider.revoke(http, str(token.get("refresh_token") or ""), str(token.get("access_token") or ""))
    except ProviderError:
        pass  # best effort: the grant is no longer ours either way
    record_event(
        now,
        EventKind.REFRESHED,
        f"A refresh finished after the connection changed; the {provider.name} token it got was "
        "discarded and revoked.",
    )


def _grant_refused(connection: Connection, spent: str, provider: Provider, error: GrantRevoked) -> Connection:
    now = timezone.now()
    lost_rotation = provider.rotates_refresh_tokens and connection.refresh_outcome_unknown_at is not None
    if lost_rotation:
        # The grant may well be alive at the provider under a token we never received; keep what we
        # have and ask for a Reconnect, without claiming anyone revoked anything.
        fields: dict[str, Any] = {"cause": Cause.ROTATION_LOST}
        message = (
            f"{provider.name} refused the refresh token after an earlier refresh lost its answer "
            f"on the network: {error.message}"
        )
    else:
        fields = {
            "cause": Cause.REVOKED,
            "access_token_encrypted": "",
            "refresh_token_encrypted": "",
            "access_expires_at": None,
            "refresh_expires_at": None,
        }
        message = f"{provider.name} no longer accepts the authorization. Refresh refused: {error.message}"
    updated = _still_holding(connection, spent).update(
        **fields,
        **CLEARED_TROUBLE,
        status=Status.DISCONNECTED,
        cause_detail=error.message,
        disconnected_at=now,
        disconnected_by=None,
    )
    connection = Connection.objects.get(pk=connection.pk)
    if updated:
        record_event(connection, EventKind.REFRESH_FAILED, message, cause=str(fields["cause"]))
    return connection


def mark_unreadable(connection: Connection) -> Connection:
    """Stored tokens no configured key opens: nothing can be called; keep the sealed tokens (a key
    put back makes them readable again) and ask for a Reconnect."""
    updated = (
        Connection.objects.filter(pk=connection.pk)
        .exclude(status=Status.DISCONNECTED, cause=Cause.UNREADABLE)
        .exclude(status=Status.NOT_CONNECTED)
        .update(
            **CLEARED_TROUBLE,
            status=Status.DISCONNECTED,
            cause=Cause.UNREADABLE,
            cause_detail="No configured SCS_ENCRYPTION_KEYS key opens the stored tokens.",
            disconnected_at=timezone.now(),
            disconnected_by=None,
        )
    )
    connection = Connection.objects.get(pk=connection.pk)
    if updated:
        record_event(
            connection,
            EventKind.DISCONNECTED,
            "The stored authorization can't be read (encryption key missing).",
            cause=Cause.UNREADABLE,
        )
    return connection


def note_refresh_failure(
    connection: Connection, spent: str, error: ProviderError, now: datetime
) -> Connection:
    """A failure that isn't the provider ending the grant: retry with backoff and keep every token.
    Once access has expired and the trouble outlasted the grace period the connection shows
    Disconnected with the trouble as its cause, and recovers by itself when a refresh succeeds."""
    if isinstance(error, ClientMisconfigured):
        trouble = Trouble.CLIENT_REJECTED
    elif isinstance(error, Rejected):
        trouble = Trouble.PROVIDER_REFUSING
    else:
        trouble = Trouble.NETWORK
    failures = connection.refresh_failures + 1
    since = connection.refresh_failing_since or now
    delay = retry_delay(failures)
    if isinstance(error, RateLimited):
        delay = max(delay, timedelta(seconds=error.retry_after))
    fields: dict[str, Any] = {
        "refresh_failures": failures,
        "refresh_failing_since": since,
        "last_refresh_error": error.message,
        "next_refresh_attempt_at": now + delay,
        "trouble": trouble,
    }
    if isinstance(error, Unreachable) and error.maybe_processed:
        fields["refresh_outcome_unknown_at"] = now
    grace = timedelta(seconds=settings.SCS_REFRESH_GRACE_SECONDS)
    expired = connection.access_expires_at is None or connection.access_expires_at <= now
    give_up = connection.status == Status.CONNECTED and expired and now - since >= grace
    if give_up:
        fields.update(
            status=Status.DISCONNECTED,
            cause=CAUSE_OF_TROUBLE[trouble],
            cause_detail=f"Last error: {error.message}",
            disconnected_at=now,
            disconnected_by=None,
        )
    updated = _still_holding(connection, spent).update(**fields)
    connection = Connection.objects.get(pk=connection.pk)
    if not updated:
        return connection
    if give_up:
        record_event(
            connection,
            EventKind.DISCONNECTED,
            f"Refresh kept failing for longer than the grace period; tokens are kept and refreshing "
            f"goes on. Last error: {error.message}",
            cause=connection.cause,
        )
    else:
        record_event(
            connection,
            EventKind.REFRESH_FAILED,
            f"Couldn't refresh (attempt {failures}): {error.message}. Retrying in {int(delay.total_seconds())} s.",
            cause=CAUSE_OF_TROUBLE[trouble],
        )
    return connection


def schedule_refresh(connection: Connection) -> None:
    """Ask for the next refresh just before expiry (or at the next retry after a failure); the
    task module listens, so this module never imports the task queue."""
    if not connection.keeps_refreshing:
        return
    when = connection.next_refresh_attempt_at
    if when is None and connection.access_expires_at is not None:
        when = connection.access_expires_at - PERIODIC_MARGIN
    if when is None:
        return
    refresh_due.send(sender=Connection, connection_id=connection.pk, eta=max(when, timezone.now()))


# -- tokens for API calls (re-exported by access.py, the documented entry point) -------------------


def access_token_for(connection: Connection) -> str:
    """A usable access token, refreshed first when fewer than five minutes remain."""
    current = Connection.objects.get(pk=connection.pk)
    error: ProviderError | None = None
    if should_refresh(current, timezone.now())[0]:
        outcome = refresh_now(current.pk)
        current, error = outcome.connection, outcome.error
    return _usable_token(current, error)


def refreshed_access_token(connection: Connection, rejected_token: str) -> str:
    """A new access token after the provider refused `rejected_token` (a 401). Refreshes unless
    another process already replaced that token, in which case its replacement is returned."""
    outcome = refresh_now(connection.pk, force=True, rejected_token=rejected_token)
    token = _usable_token(outcome.connection, outcome.error)
    if token == rejected_token:
        raise outcome.error or ConnectionUnavailable(
            outcome.connection, f"{outcome.connection.provider} could not issue a new access token"
        )
    return token


def _usable_token(connection: Connection, error: ProviderError | None) -> str:
    if connection.status != Status.CONNECTED:
        raise ConnectionUnavailable(connection)
    expired = connection.access_expires_at is not None and connection.access_expires_at <= timezone.now()
    if expired and error is not None:
        raise error
    try:
        token = TokenVault().open(connection.access_token_encrypted)
    except TokenUnreadable as exc:
        raise ConnectionUnavailable(mark_unreadable(connection)) from exc
    if not token:
        raise ConnectionUnavailable(connection)
    return token
