"""Builds the Starlette app of the HubSpot emulator around one HubSpotWorld."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from emulator_core.app import build_app
from emulator_core.faults import FaultInjector
from emulator_core.requestlog import RequestLog

from . import (
    routes_account,
    routes_associations,
    routes_control,
    routes_crm,
    routes_oauth,
    routes_pages,
    routes_records,
    routes_schema,
)
from .api import Api, bearer_token
from .config import EmulatorConfig
from .exceptions import NotEmulated, error_response, status_error_response
from .limits import PortalLimits
from .models import HubSpotWorld
from .seed import seed_demo
from .webhooks import WebhookNotifier


async def not_emulated(request: Request) -> Response:
    return error_response(NotEmulated(
        f"{request.method} {request.url.path} is not emulated by the HubSpot emulator."))


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app; `app.state.world` is its HubSpotWorld (for tests)."""
    config = config or EmulatorConfig()
    world = HubSpotWorld(config)
    limits = PortalLimits(config.rate_limit_scale)
    faults = FaultInjector()
    log = RequestLog()
    notifier = (WebhookNotifier(config.webhook_url, world.oauth, world.subscriptions)
                if config.webhook_url else None)
    if notifier is not None:
        world.change_listeners.append(notifier.record)

    def discard_webhook_events() -> None:
        if notifier is not None:
            notifier.discard()

    def reseed(seed: str) -> None:
        world.reset()
        limits.reset()
        faults.clear()
        log.clear()
        if seed == "demo":
            seed_demo(world, config)
        discard_webhook_events()

    def send_webhook_events() -> None:
        if notifier is not None:
            notifier.flush()

    def webhook_stats() -> dict[str, Any]:
        stats: dict[str, Any] = {"url": config.webhook_url}
        if notifier is not None:
            stats.update(notifier.stats())
        return stats

    def tenant_of(request: Request) -> str | None:
        token = bearer_token(request)
        found = world.oauth.access_tokens.get(token) if token else None
        return str(found.portal_id) if found else None

    reseed(config.seed)
    api = Api(world, limits, notifier)
    routes: list[BaseRoute] = [
        *routes_oauth.routes(world, config),
        *routes_pages.routes(world),
        *routes_records.routes(world),
        *routes_crm.routes(api),
        *routes_schema.routes(api),
        *routes_associations.routes(api),
        *routes_account.routes(api),
        Route("/{path:path}", not_emulated,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if notifier is not None:
            notifier.close()

    app = build_app(
        routes=routes,
        control_routes=routes_control.routes(world, reseed, webhook_stats,
                                              discard_webhook_events, send_webhook_events),
        faults=faults,
        log=log,
        tenant_of=tenant_of,
        error_response=status_error_response,
        lifespan=lifespan,
    )
    app.state.world = world
    app.state.config = config
    app.state.limits = limits
    app.state.notifier = notifier
    return app
