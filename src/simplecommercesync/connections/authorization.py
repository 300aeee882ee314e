"""The connect flow: start (state bound to session and workspace) and complete (callback).

Nothing is saved unless every step succeeds: state, code exchange, identity and scopes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from simplecommercesync.accounts.models import User
from simplecommercesync.connections import messages
from simplecommercesync.connections.models import (
    Cause,
    Connection,
    EventKind,
    OAuthState,
    Status,
    record_event,
)
from simplecommercesync.connections.oauth import authorization_url, exchange_code
from simplecommercesync.connections.refresh import schedule_refresh
from simplecommercesync.connections.signals import account_switched, connection_healthy
from simplecommercesync.connections.tokens import store_token
from simplecommercesync.providers.base import AccountIdentity, Provider, provider_http
from simplecommercesync.providers.http.errors import (
    ClientMisconfigured,
    GrantRevoked,
    ProviderError,
    RateLimited,
    Unreachable,
)

SESSION_BINDING_KEY = "scs_oauth_binding"
# What state, code and realmId can hold: our states are URL-safe base64, HubSpot's codes UUIDs,
# Intuit's codes and realm ids letters and digits. Anything else (a NUL, spaces, non-ASCII) is not a
# real reply, and PostgreSQL would refuse a NUL in a query outright.
CALLBACK_VALUE = re.compile(r"[A-Za-z0-9._~+/=-]{1,2048}")
CHECKED_CALLBACK_FIELDS = ("state", "code", "realmId")


class AuthorizationFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    level: str  # "success" | "warning" | "error"
    message: str
    review: list[str] = field(default_factory=list)


def _session_binding(request: HttpRequest) -> str:
    binding = request.session.get(SESSION_BINDING_KEY)
    if not binding:
        binding = secrets.token_urlsafe(24)
        request.session[SESSION_BINDING_KEY] = binding
    return str(binding)


def start_authorization(request: HttpRequest, provider: Provider, user: User) -> str:
    """Return the provider's authorize URL for a new single-use state."""
    if not provider.app.configured:
        raise AuthorizationFailed(messages.not_configured(provider))
    state = secrets.token_urlsafe(32)
    try:
        with provider_http() as http:
            authorize_url = provider.endpoints(http).authorize_url
    except ProviderError as exc:
        raise AuthorizationFailed(
            messages.UNREACHABLE_ON_CONNECT.format(name=provider.name, detail=exc.message)
        ) from exc
    OAuthState.objects.create(
        state=state,
        provider=provider.key,
        workspace=user.workspace,
        user=user,
        session_binding=_session_binding(request),
    )
    return authorization_url(provider, authorize_url, state)


def _claim_state(request: HttpRequest, provider: Provider, user: User, state: str) -> None:
    name = provider.name
    if not state:
        raise AuthorizationFailed(messages.STATE_MISSING.format(name=name))
    pending = OAuthState.objects.filter(state=state, provider=provider.key).first()
    binding = request.session.get(SESSION_BINDING_KEY)
    if (
        pending is None
        or pending.workspace_id != user.workspace_id
        or pending.user_id != user.pk
        or not binding
        or not secrets.compare_digest(pending.session_binding, str(binding))
    ):
        raise AuthorizationFailed(messages.STATE_UNKNOWN.format(name=name))
    claimed = OAuthState.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        raise AuthorizationFailed(messages.STATE_USED.format(name=name))
    if pending.expired():
        raise AuthorizationFailed(messages.STATE_EXPIRED.format(name=name))


def complete_authorization(
    request: HttpRequest, provider: Provider, user: User, params: Mapping[str, str]
) -> Outcome:
    name = provider.name
    for key in CHECKED_CALLBACK_FIELDS:
        value = params.get(key, "")
        if value and not CALLBACK_VALUE.fullmatch(value):
            raise AuthorizationFailed(messages.BAD_CALLBACK.format(name=name))
    params = {
        key: value if key in CHECKED_CALLBACK_FIELDS else _printable(value) for key, value in params.items()
    }
    _claim_state(request, provider, user, params.get("state", ""))
    if params.get("error"):
        message = messages.provider_error(provider, params["error"], params.get("error_description", ""))
        _note_failed_authorization(provider, user, message)
        raise AuthorizationFailed(message)
    code = params.get("code", "")
    if not code:
        raise AuthorizationFailed(messages.CODE_MISSING.format(name=name))

    try:
        with provider_http() as http:
            token_url = provider.endpoints(http).token_url
            token = exchange_code(provider, token_url, code)
            access_token = str(token["access_token"])
            identity = provider.identify(http, access_token, token, params)
    except GrantRevoked as exc:
        raise AuthorizationFailed(messages.CODE_REJECTED.format(name=name)) from exc
    except ClientMisconfigured as exc:
        raise AuthorizationFailed(
            messages.CLIENT_MISCONFIGURED.format(name=name, detail=exc.message, prefix=provider.env_prefix)
        ) from exc
    except (Unreachable, RateLimited) as exc:
        raise AuthorizationFailed(
            messages.UNREACHABLE_ON_CONNECT.format(name=name, detail=exc.message)
        ) from exc
    except ProviderError as exc:
        raise AuthorizationFailed(
            f"{name} refused to finish connecting: {exc.message}. Nothing was saved."
        ) from exc

    missing = [scope for scope in provider.scope_names if scope not in identity.scopes]
    if missing:
        _revoke_quietly(provider, token)
        message = messages.MISSING_SCOPES.format(name=name, missing=", ".join(missing))
        _note_failed_authorization(provider, user, message)
        raise AuthorizationFailed(message)
    return _save_connection(provider, user, token, identity)


def _save_connection(
    provider: Provider, user: User, token: Mapping[str, object], identity: AccountIdentity
) -> Outcome:
    now = timezone.now()
    with transaction.atomic():
        connection, _ = Connection.objects.select_for_update().get_or_create(
            workspace=user.workspace, provider=provider.key
        )
        previous = (
            connection.account_id if connection.status == Status.CONNECTED else connection.last_account_id
        )
        previous_name = (
            connection.account_name if connection.status == Status.CONNECTED else connection.last_account_name
        )
        was_connected_before = bool(previous)
        switched = was_connected_before and previous != identity.account_id
        store_token(connection, provider, dict(token), now)
        connection.status = Status.CONNECTED
        connection.cause = Cause.NONE
        connection.cause_detail = ""
        connection.account_id = identity.account_id
        connection.account_name = identity.account_name
        connection.environment = identity.environment
        connection.provider_user = identity.provider_user
        connection.scopes = list(identity.scopes)
        connection.authorized_by = user
        connection.connected_at = now
        connection.last_refresh_at = None
        connection.clear_refresh_trouble()
        connection.disconnected_at = None
        connection.disconnected_by = None
        connection.last_account_id = identity.account_id
        connection.last_account_name = identity.account_name
        account = _account_words(identity.account_id, identity.account_name)
        fmt = {"name": provider.name, "noun": provider.account_noun, "account": account}
        review: list[str] = []
        if switched:
            connection.switched_at = now
            for _receiver, items in account_switched.send(
                sender=Connection,
                workspace_id=user.workspace_id,
                provider=provider.key,
                old_account_id=previous,
                new_account_id=identity.account_id,
            ):
                review.extend(items or [])
            connection.needs_review = review
            outcome = Outcome(
                "warning",
                messages.SWITCHED.format(**fmt, previous=_account_words(previous, previous_name)),
                review,
            )
            record_event(
                connection,
                EventKind.SWITCHED,
                f"Switched from {provider.account_noun} {_account_words(previous, previous_name)} to {account}.",
                actor=user,
                details={"from": previous, "to": identity.account_id},
            )
        elif was_connected_before:
            outcome = Outcome("success", messages.RECONNECTED.format(**fmt))
            record_event(connection, EventKind.RECONNECTED, f"Reconnected to {account}.", actor=user)
        else:
            outcome = Outcome("success", messages.CONNECTED.format(**fmt))
            record_event(connection, EventKind.CONNECTED, f"Connected to {account}.", actor=user)
        connection.save()
        transaction.on_commit(
            lambda: connection_healthy.send(
                sender=Connection, workspace_id=user.workspace_id, provider=provider.key
            )
        )
    schedule_refresh(connection)
    return outcome


def _printable(value: str) -> str:
    """Provider text shown on screen (error descriptions): control characters dropped."""
    return "".join(ch for ch in value if ch.isprintable())[:500]


def _account_words(account_id: str, account_name: str) -> str:
    return f"{account_id} ({account_name})" if account_name else account_id


def _note_failed_authorization(provider: Provider, user: User, message: str) -> None:
    connection, _ = Connection.objects.get_or_create(workspace=user.workspace, provider=provider.key)
    record_event(connection, EventKind.AUTHORIZATION_FAILED, message, actor=user)


def _revoke_quietly(provider: Provider, token: Mapping[str, object]) -> None:
    """A grant we refuse to keep is handed back, so it doesn't linger at the provider."""
    try:
        with provider_http() as http:
            provider.revoke(http, str(token.get("refresh_token") or ""), str(token.get("access_token") or ""))
    except ProviderError:
        pass
