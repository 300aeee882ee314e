"""The ASGI shell both emulators share: control routes under /_emulator/, injected faults, the request log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import FaultInjector
from .requestlog import RequestLog

CONTROL_PREFIX = "/_emulator"


class ConnectionDropped(Exception):
    """Raised after a response has started so the server closes the socket mid-response."""


def _default_error(status: int) -> Response:
    return JSONResponse({"status": "error", "message": f"Injected fault (HTTP {status})."}, status)


def _no_tenant(request: Request) -> str | None:
    return None


class FaultAndLogMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        faults: FaultInjector,
        log: RequestLog,
        tenant_of: Callable[[Request], str | None],
        error_response: Callable[[int], Response],
    ) -> None:
        self.app = app
        self.faults = faults
        self.log = log
        self.tenant_of = tenant_of
        self.error_response = error_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX) or path.startswith("/static"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        status_seen = {"status": 500}
        deprecated = {"seen": False}

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen["status"] = message["status"]
                # An endpoint the vendor has deprecated says so with RFC 8594 headers; the log marks it.
                deprecated["seen"] = any(name.lower() == b"deprecation" for name, _ in message["headers"])
            await send(message)

        try:
            fault = self.faults.take(method, path)
            if fault is not None and fault.delay_s is not None:
                await asyncio.sleep(fault.delay_s)
                fault = None
            if fault is not None and fault.reset_connection:
                status_seen["status"] = 0
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", b"1024"),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"partial', "more_body": True})
                raise ConnectionDropped(path)
            if fault is not None and fault.status is not None:
                if fault.body is not None:
                    response: Response = JSONResponse(fault.body, fault.status)
                else:
                    response = self.error_response(fault.status)
                response.status_code = fault.status
                for name, value in fault.headers.items():
                    response.headers[name] = value
                await response(scope, receive, recording_send)
                return
            if fault is not None and fault.answer_delay_s is not None:
                held: list[Message] = []

                async def holding_send(message: Message) -> None:
                    held.append(message)

                await self.app(scope, receive, holding_send)
                await asyncio.sleep(fault.answer_delay_s)
                for message in held:
                    await recording_send(message)
                return
            await self.app(scope, receive, recording_send)
        finally:
            tenant = self.tenant_of(Request(scope))
            self.log.record(method, path, status_seen["status"], tenant, deprecated=deprecated["seen"])


def _shared_control_routes(faults: FaultInjector, log: RequestLog) -> list[BaseRoute]:
    async def add_fault(request: Request) -> Response:
        try:
            spec = await request.json()
        except ValueError:
            return JSONResponse({"error": "The body must be JSON."}, 400)
        specs = spec if isinstance(spec, list) else [spec]
        try:
            added = [faults.add(item) for item in specs]
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"faults": added}, 201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": faults.list()})

    async def clear_faults(request: Request) -> Response:
        faults.clear()
        return JSONResponse({"faults": []})

    async def requests_summary(request: Request) -> Response:
        return JSONResponse(log.summary())

    async def clear_requests(request: Request) -> Response:
        log.clear()
        return JSONResponse({"total": 0})

    return [
        Route("/faults", add_fault, methods=["POST"]),
        Route("/faults", list_faults, methods=["GET"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/requests", requests_summary, methods=["GET"]),
        Route("/requests", clear_requests, methods=["DELETE"]),
    ]


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The caller hung up before its request body arrived (a killed worker): nothing was done, and
    no one is left to answer; 499 is what the request log shows, as nginx names it."""
    return Response(status_code=499)


def build_app(
    *,
    routes: list[BaseRoute],
    control_routes: list[BaseRoute],
    faults: FaultInjector,
    log: RequestLog,
    tenant_of: Callable[[Request], str | None] = _no_tenant,
    error_response: Callable[[int], Response] | None = None,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[Any]] | None = None,
) -> Starlette:
    all_routes: list[BaseRoute] = [
        Mount(CONTROL_PREFIX, routes=[*control_routes, *_shared_control_routes(faults, log)]),
        *routes,
    ]
    app = Starlette(routes=all_routes, lifespan=lifespan, exception_handlers={ClientDisconnect: _client_gone})
    app.add_middleware(
        FaultAndLogMiddleware,
        faults=faults,
        log=log,
        tenant_of=tenant_of,
        error_response=error_response or _default_error,
    )
    return app
