"""The emulator's own control API under /_emulator/ (JSON, for tests, benchmarks and the demo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .exceptions import HubSpotError
from .models import HubSpotWorld
from .seed import generate


def routes(world: HubSpotWorld, reseed: Callable[[str], None],
           webhook_stats: Callable[[], dict[str, Any]],
           after_generate: Callable[[], None]) -> list[BaseRoute]:
    oauth = world.oauth

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            parsed = await request.json()
        except ValueError:
            return {"__invalid__": True}
        return parsed if isinstance(parsed, dict) else {"__invalid__": True}

    def bad(message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    async def state(request: Request) -> Response:
        body = world.state()
        body["webhooks"] = webhook_stats()
        return JSONResponse(body)

    async def reset(request: Request) -> Response:
        body = await body_of(request)
        seed = str(body.get("seed") or world.config.seed)
        if seed not in ("demo", "empty"):
            return bad("seed must be 'demo' or 'empty'")
        reseed(seed)
        return JSONResponse({"reset": True, "seed": seed})

    async def seed(request: Request) -> Response:
        reseed("demo")
        return JSONResponse({"reset": True, "seed": "demo"})

    async def register_app(request: Request) -> Response:
        body = await body_of(request)
        uris = body.get("redirect_uris")
        if body.get("__invalid__") or not isinstance(uris, list) or not all(
                isinstance(u, str) and u.startswith(("http://", "https://")) for u in uris):
            return bad("redirect_uris must be a list of http(s) URLs")
        existing = oauth.app(str(body.get("client_id") or ""))
        app = oauth.register_app(redirect_uris=uris, client_id=body.get("client_id"),
                                 client_secret=body.get("client_secret"), name=body.get("name"))
        return JSONResponse(app.as_json(), status_code=200 if existing else 201)

    async def private_app_token(request: Request) -> Response:
        portal_id = request.path_params["portalId"]
        if portal_id not in world.backends:
            return bad(f"portal {portal_id} does not exist", 404)
        token = oauth.private_app_token(portal_id)
        return JSONResponse({"token": token.token, "portal_id": portal_id,
                             "scopes": token.scopes}, status_code=201)

    async def uninstall(request: Request) -> Response:
        portal_id = request.path_params["portalId"]
        if portal_id not in world.backends:
            return bad(f"portal {portal_id} does not exist", 404)
        body = await body_of(request)
        client_id = body.get("client_id")
        uninstalled = oauth.uninstall(portal_id, str(client_id) if client_id else None)
        return JSONResponse({"portal_id": portal_id, "uninstalled": uninstalled})

    async def generate_records(request: Request) -> Response:
        portal_id = request.path_params["portalId"]
        if portal_id not in world.backends:
            return bad(f"portal {portal_id} does not exist", 404)
        body = await body_of(request)
        try:
            counts = {name: int(body.get(name, 0)) for name in
                      ("contacts", "products", "invoices")}
            lines = int(body.get("lines_per_invoice", 3))
            if min(*counts.values(), lines) < 0 or sum(counts.values()) > 500_000:
                raise ValueError("counts must be between 0 and 500000 in all")
            created = generate(world.backend(portal_id), lines_per_invoice=lines,
                               invoice_status=str(body.get("invoice_status", "open")),
                               **counts)
        except (ValueError, HubSpotError) as exc:
            return bad(str(exc))
        after_generate()
        return JSONResponse({"portal_id": portal_id, "created": created}, status_code=201)

    async def expire_tokens(request: Request) -> Response:
        return JSONResponse({"expired": oauth.expire_access_tokens()})

    return [
        Route("/state", state, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/seed", seed, methods=["POST"]),
        Route("/apps", register_app, methods=["POST"]),
        Route("/portals/{portalId:int}/private-app-token", private_app_token, methods=["POST"]),
        Route("/portals/{portalId:int}/uninstall", uninstall, methods=["POST"]),
        Route("/portals/{portalId:int}/generate", generate_records, methods=["POST"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
    ]
