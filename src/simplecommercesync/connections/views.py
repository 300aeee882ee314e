"""Settings → Connections and the OAuth callback."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from simplecommercesync.accounts.models import User
from simplecommercesync.accounts.roles import admin_required
from simplecommercesync.connections.authorization import (
    AuthorizationFailed,
    Outcome,
    complete_authorization,
    start_authorization,
)
from simplecommercesync.connections.models import Connection
from simplecommercesync.connections.operations import disconnect, verify_connection
from simplecommercesync.connections.status import connection_views
from simplecommercesync.providers.base import Provider
from simplecommercesync.providers.registry import PROVIDERS

PAGE = "connections:page"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _provider(key: str) -> Provider:
    provider = PROVIDERS.get(key)
    if provider is None:
        raise Http404("No such provider.")
    return provider


def _flash(request: HttpRequest, outcome: Outcome) -> None:
    level = {"success": flash.SUCCESS, "warning": flash.WARNING, "error": flash.ERROR}[outcome.level]
    flash.add_message(request, level, outcome.message)
    if outcome.review:
        flash.warning(request, "Review these settings for the new account: " + "; ".join(outcome.review))


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "connections/page.html", {"views": connection_views(_user(request).workspace)})


@require_GET
def scopes(request: HttpRequest) -> HttpResponse:
    return render(request, "connections/scopes.html", {"providers": list(PROVIDERS.values())})


@admin_required
@require_POST
def connect(request: HttpRequest, provider_key: str) -> HttpResponse:
    provider = _provider(provider_key)
    try:
        url = start_authorization(request, provider, _user(request))
    except AuthorizationFailed as exc:
        flash.error(request, exc.message)
        return redirect(PAGE)
    return HttpResponseRedirect(url)


@admin_required
@require_GET
def callback(request: HttpRequest, provider_key: str) -> HttpResponse:
    provider = _provider(provider_key)
    params = {key: request.GET.get(key, "") for key in request.GET}
    try:
        outcome = complete_authorization(request, provider, _user(request), params)
    except AuthorizationFailed as exc:
        flash.error(request, exc.message)
    else:
        _flash(request, outcome)
    return redirect(PAGE)


def _connection(request: HttpRequest, provider: Provider) -> Connection | None:
    return Connection.objects.filter(workspace=_user(request).workspace, provider=provider.key).first()


@admin_required
@require_POST
def disconnect_view(request: HttpRequest, provider_key: str) -> HttpResponse:
    provider = _provider(provider_key)
    connection = _connection(request, provider)
    holds_tokens = connection is not None and bool(
        connection.refresh_token_encrypted or connection.access_token_encrypted
    )
    if connection is None or not (connection.is_connected or holds_tokens):
        flash.info(request, f"{provider.name} is already disconnected.")
        return redirect(PAGE)
    _flash(request, disconnect(connection, _user(request)))
    return redirect(PAGE)


@admin_required
@require_POST
def test_view(request: HttpRequest, provider_key: str) -> HttpResponse:
    provider = _provider(provider_key)
    connection = _connection(request, provider)
    if connection is None:
        flash.error(request, f"{provider.name} is not connected, so there is nothing to test.")
        return redirect(PAGE)
    _flash(request, verify_connection(connection, _user(request)))
    return redirect(PAGE)
