"""What an admin does to a live connection: Disconnect and Test connection."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.provider_errors import (
    ProviderError,
    RateLimited,
    Unauthorized,
    Unreachable,
)

from . import messages
from .authorization import Outcome
from .models import Cause, Connection, EventKind, Status, record_event
from .providers import get_provider
from .providers.base import provider_http
from .refresh import ConnectionUnavailable, access_token_for, mark_revoked, refresh_connection
from .tokens import erase_tokens
from .vault import TokenVault


def disconnect(connection: Connection, by: User) -> Outcome:
    """Revoke at the provider, erase the tokens, close the sync gate. History and settings stay."""
    provider = get_provider(connection.provider)
    vault = TokenVault()
    refresh_token = vault.open(connection.refresh_token_encrypted)
    access_token = vault.open(connection.access_token_encrypted)
    revoke_problem = ""
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
        note = f" Revoking at {provider.name} failed: {revoke_problem}." if revoke_problem else ""
        record_event(
            connection,
            EventKind.DISCONNECTED,
            f"Disconnected by {by.email}.{note}",
            cause=Cause.BY_USER,
            actor=by,
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
    """One cheap authenticated call, retried once with a freshly refreshed token if refused;
    refused again means the grant is gone (the connection is marked revoked).

    Raises ConnectionUnavailable when the connection can't be used (revoked, or refresh failing),
    Unreachable/RateLimited for network trouble, other ProviderErrors for odd answers.
    """
    provider = get_provider(connection.provider)
    try:
        _probe(connection)
    except Unauthorized:
        connection = refresh_connection(connection.pk, force=True)
        if connection.status != Status.CONNECTED:
            raise ConnectionUnavailable(connection) from None
        try:
            _probe(connection)
        except Unauthorized as exc:
            mark_revoked(connection, f"{provider.name} refused a freshly refreshed token: {exc.message}")
            raise ConnectionUnavailable(connection) from exc
    connection.last_checked_at = timezone.now()
    connection.save(update_fields=["last_checked_at"])
    return connection


def verify_connection(connection: Connection, by: User) -> Outcome:
    """The Test connection button: prove access now and say what happened."""
    provider = get_provider(connection.provider)
    fmt = {"name": provider.name, "noun": provider.account_noun, "account": connection.account_id}
    if connection.status != Status.CONNECTED:
        return Outcome("error", messages.TEST_NOT_CONNECTED.format(**fmt))
    try:
        connection = prove_access(connection)
    except ConnectionUnavailable as exc:
        connection = exc.connection
        if connection.status == Status.CONNECTED:  # refresh is failing transiently
            return _test_trouble(connection, by, connection.last_refresh_error or "refresh failed")
        record_event(
            connection,
            EventKind.TEST_FAILED,
            "Test failed: access was revoked.",
            actor=by,
            cause=connection.cause,
        )
        return Outcome("error", messages.TEST_REVOKED.format(**fmt))
    except (Unreachable, RateLimited) as exc:
        return _test_trouble(connection, by, exc.message)
    except (ProviderError, ValueError) as exc:
        record_event(connection, EventKind.TEST_FAILED, f"Test failed: {exc}", actor=by)
        return Outcome("error", f"{provider.name} answered unexpectedly: {exc}.")
    connection.last_tested_at = connection.last_checked_at
    connection.save(update_fields=["last_tested_at"])
    record_event(connection, EventKind.TESTED, "Test connection succeeded.", actor=by)
    return Outcome("success", messages.TEST_OK.format(**fmt))


def _probe(connection: Connection) -> None:
    provider = get_provider(connection.provider)
    token = access_token_for(connection)
    connection.refresh_from_db()
    with provider_http() as http:
        provider.probe(http, token, connection.account_id)


def _test_trouble(connection: Connection, by: User, detail: str) -> Outcome:
    provider = get_provider(connection.provider)
    record_event(
        connection, EventKind.TEST_FAILED, f"Test couldn't reach {provider.name}: {detail}", actor=by
    )
    return Outcome("warning", messages.TEST_TROUBLE.format(name=provider.name, detail=detail))
