"""What an admin does to a live connection: Disconnect and Test connection."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.connections import messages
from simplecommercesync.connections.access import access_token_for, refreshed_access_token
from simplecommercesync.connections.authorization import Outcome
from simplecommercesync.connections.errors import ConnectionUnavailable
from simplecommercesync.connections.models import Cause, Connection, EventKind, Status, record_event
from simplecommercesync.connections.refresh import mark_unreadable
from simplecommercesync.connections.tokens import erase_tokens
from simplecommercesync.connections.vault import TokenUnreadable, TokenVault
from simplecommercesync.providers.base import provider_http
from simplecommercesync.providers.http.errors import (
    ClientMisconfigured,
    ProviderError,
    RateLimited,
    Unauthorized,
    Unreachable,
)
from simplecommercesync.providers.registry import get_provider


def disconnect(connection: Connection, by: User) -> Outcome:
    """Revoke at the provider, erase the tokens, close the sync gate. History and settings stay.

    Tokens no key can open can't be revoked; the disconnect goes ahead and says where to remove
    the app by hand."""
    provider = get_provider(connection.provider)
    vault = TokenVault()
    revoke_problem = ""
    unreadable = False
    try:
        refresh_token = vault.open(connection.refresh_token_encrypted)
        access_token = vault.open(connection.access_token_encrypted)
    except TokenUnreadable:
        refresh_token = access_token = ""
        unreadable = True
    if refresh_token or access_token:
        try:
            with provider_http() as http:
                provider.revoke(http, refresh_token, access_token)
        except ProviderError as exc:
            revoke_problem = exc.message
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        erase_tokens(connection)
        connection.status = Status.DISCONNECTED
        connection.cause = Cause.BY_USER
        connection.cause_detail = ""
        connection.disconnected_at = timezone.now()
        connection.disconnected_by = by
        connection.clear_refresh_trouble()
        connection.save()
        if unreadable:
            note = " The stored authorization couldn't be read, so it wasn't revoked."
        elif revoke_problem:
            note = f" Revoking at {provider.name} failed: {revoke_problem}."
        else:
            note = ""
        record_event(
            connection,
            EventKind.DISCONNECTED,
            f"Disconnected by {by.email}.{note}",
            cause=Cause.BY_USER,
            actor=by,
        )
    if unreadable:
        return Outcome(
            "warning",
            messages.DISCONNECTED_UNREADABLE.format(name=provider.name, where=provider.revoke_elsewhere),
        )
    if revoke_problem:
        return Outcome(
            "warning",
            messages.DISCONNECTED_REVOKE_FAILED.format(
                name=provider.name, detail=revoke_problem, where=provider.revoke_elsewhere
            ),
        )
    return Outcome("success", messages.DISCONNECTED.format(name=provider.name))


def prove_access(connection: Connection) -> Connection:
    """One cheap authenticated call, retried once with a freshly refreshed token if refused.

    Only the token endpoint saying the grant is gone marks it revoked (inside the refresh); a
    refresh that fails for any other reason raises its error and leaves the grant alone.
    Raises ConnectionUnavailable when the connection can't be used, the refresh's ProviderError
    when no new token could be had, Unauthorized when even a fresh token is refused.
    """
    token = access_token_for(connection)
    try:
        _probe(connection, token)
    except Unauthorized:
        _probe(connection, refreshed_access_token(connection, token))
    Connection.objects.filter(pk=connection.pk).update(last_checked_at=timezone.now())
    return Connection.objects.get(pk=connection.pk)


def verify_connection(connection: Connection, by: User) -> Outcome:
    """The Test connection button: prove access now and say what happened."""
    provider = get_provider(connection.provider)
    fmt = {"name": provider.name, "noun": provider.account_noun, "account": connection.account_id}
    if connection.status != Status.CONNECTED:
        if connection.cause == Cause.UNREADABLE:
            return Outcome("error", messages.unreadable(provider))
        return Outcome("error", messages.TEST_NOT_CONNECTED.format(**fmt))
    try:
        connection = prove_access(connection)
    except ConnectionUnavailable as exc:
        connection = Connection.objects.get(pk=exc.connection.pk)
        if connection.status == Status.CONNECTED:
            return _test_trouble(connection, by, connection.last_refresh_error or exc.message)
        record_event(
            connection,
            EventKind.TEST_FAILED,
            f"Test failed: {messages.cause_title(connection.cause, provider)}.",
            actor=by,
            cause=connection.cause,
        )
        return Outcome("error", messages.test_failed_because(provider, connection.cause))
    except ClientMisconfigured as exc:
        record_event(connection, EventKind.TEST_FAILED, f"Test failed: {exc.message}", actor=by)
        return Outcome("error", messages.client_rejected(provider, exc.message))
    except (Unreachable, RateLimited) as exc:
        return _test_trouble(connection, by, exc.message)
    except ProviderError as exc:
        record_event(connection, EventKind.TEST_FAILED, f"Test failed: {exc.message}", actor=by)
        return Outcome("error", messages.TEST_ODD_ANSWER.format(name=provider.name, detail=exc.message))
    except TokenUnreadable:
        mark_unreadable(connection)
        return Outcome("error", messages.unreadable(provider))
    Connection.objects.filter(pk=connection.pk).update(last_tested_at=connection.last_checked_at)
    record_event(connection, EventKind.TESTED, "Test connection succeeded.", actor=by)
    return Outcome("success", messages.TEST_OK.format(**fmt))


def _probe(connection: Connection, token: str) -> None:
    provider = get_provider(connection.provider)
    with provider_http() as http:
        provider.probe(http, token, connection.account_id)


def _test_trouble(connection: Connection, by: User, detail: str) -> Outcome:
    provider = get_provider(connection.provider)
    record_event(
        connection, EventKind.TEST_FAILED, f"Test couldn't reach {provider.name}: {detail}", actor=by
    )
    return Outcome("warning", messages.TEST_TROUBLE.format(name=provider.name, detail=detail))
