"""`create_app(config)`: the Starlette app serving every Intuit host the product talks to."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator_core.app import build_app

from .config import EmulatorConfig
from .exceptions import injected_fault_response
from .routes_accounting import AccountingRoutes
from .routes_control import ControlRoutes
from .routes_oauth import OAuthRoutes, base_url
from .routes_record_pages import RecordPageRoutes
from .runtime import Runtime

REALM_IN_PATH = re.compile(r"^/v3/company/([^/]+)")


class IntuitTidMiddleware:
    """Every Intuit response carries an `intuit_tid` header (a transaction id support asks for;
    intuit-oauth's AuthClientError reads it): developer.intuit.com, "Troubleshooting"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_tid(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"intuit_tid", f"1-{uuid.uuid4().hex[:24]}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_tid)


def realm_of(request: Request) -> str | None:
    match = REALM_IN_PATH.match(request.url.path)
    return match.group(1) if match else None


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    runtime = Runtime.build(config or EmulatorConfig())

    async def index(request: Request) -> Response:
        companies = list(runtime.world.companies.values())
        context = {"companies": companies, "base": base_url(request)}
        return runtime.templates.TemplateResponse(request, "index.html", context)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if runtime.webhooks is not None:
            runtime.webhooks.close()

    app = build_app(
        routes=[
            Route("/", index, methods=["GET"]),
            *OAuthRoutes(runtime).routes(),
            *RecordPageRoutes(runtime).routes(),
            *AccountingRoutes(runtime).routes(),
        ],
        control_routes=ControlRoutes(runtime).routes(),
        faults=runtime.faults,
        log=runtime.log,
        tenant_of=realm_of,
        error_response=injected_fault_response,
        lifespan=lifespan,
    )
    app.add_middleware(IntuitTidMiddleware)
    app.state.runtime = runtime
    return app
