"""The emulator's own control API under /_emulator/ (JSON, for tests, benchmarks and the demo)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator_core.generated_world import MAX_LINES_PER_INVOICE, MAX_SEED, whole_number

from .exceptions import HubSpotError, ObjectNotFound
from .generate import generate
from .models import HubSpotWorld


def routes(world: HubSpotWorld, reseed: Callable[[str], None],
           webhook_stats: Callable[[], dict[str, Any]],
           after_generate: Callable[[], None],
           after_write: Callable[[], None]) -> list[BaseRoute]:
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
            counts = {name: whole_number(body.get(name), name, 0, 1_000_000) for name in
                      ("contacts", "products", "invoices", "quotes")}
            lines = whole_number(body.get("lines_per_invoice"), "lines_per_invoice", 3,
                                 MAX_LINES_PER_INVOICE)
            if sum(counts.values()) > 1_000_000:
                raise ValueError("counts must be between 0 and 1,000,000 in all")
            status = body.get("invoice_status")
            quote_status = body.get("quote_status")
            created = generate(world.backend(portal_id),
                               seed=whole_number(body.get("seed"), "seed", 1, MAX_SEED),
                               lines_per_invoice=lines,
                               invoice_status=str(status) if status else None,
                               quote_status=str(quote_status) if quote_status else "APPROVED", **counts)
        except (ValueError, TypeError, HubSpotError) as exc:
            return bad(exc.message if isinstance(exc, HubSpotError) else str(exc))
        after_generate()
        return JSONResponse({"portal_id": portal_id, "created": created}, status_code=201)

    async def refund_payment(request: Request) -> Response:
        """A refund made in HubSpot (or at the payment processor): the payment's
        hs_refunds_amount and hs_latest_status change, and so does its invoice."""
        portal_id = request.path_params["portalId"]
        if portal_id not in world.backends:
            return bad(f"portal {portal_id} does not exist", 404)
        body = await body_of(request)
        try:
            raw = body.get("amount")
            amount = Decimal(str(raw)) if raw is not None else None
            payment = world.backend(portal_id).refund_payment(
                str(request.path_params["paymentId"]), amount)
        except InvalidOperation:
            return bad("amount must be a decimal number, e.g. \"12.50\"")
        except HubSpotError as exc:
            return bad(exc.message, exc.status_code)
        finally:
            after_write()
        return JSONResponse(payment.view(None))

    def app_id_of(request: Request) -> int:
        app_id = int(request.path_params["appId"])
        if oauth.app_by_id(app_id) is None:
            raise ObjectNotFound(f"app {app_id} does not exist")
        return app_id

    async def list_subscriptions(request: Request) -> Response:
        try:
            app_id = app_id_of(request)
        except HubSpotError as exc:
            return bad(exc.message, exc.status_code)
        return JSONResponse({"results": [s.as_json() for s in world.subscriptions.of(app_id)]})

    async def create_subscription(request: Request) -> Response:
        body = await body_of(request)
        try:
            subscription = world.subscriptions.create(app_id_of(request), body)
        except HubSpotError as exc:
            return bad(exc.message, exc.status_code)
        return JSONResponse(subscription.as_json(), status_code=201)

    async def change_subscription(request: Request) -> Response:
        body = await body_of(request)
        try:
            app_id = app_id_of(request)
            sub_id = str(request.path_params["subscriptionId"])
            if request.method == "DELETE":
                world.subscriptions.delete(app_id, sub_id)
                return Response(status_code=204)
            if not isinstance(body.get("active"), bool):
                return bad("active (true or false) is required (SubscriptionPatchRequest)")
            subscription = world.subscriptions.set_active(app_id, sub_id, body["active"])
        except HubSpotError as exc:
            return bad(exc.message, exc.status_code)
        return JSONResponse(subscription.as_json())

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
        Route("/portals/{portalId:int}/payments/{paymentId}/refund", refund_payment,
              methods=["POST"]),
        Route("/apps/{appId:int}/webhooks/subscriptions", list_subscriptions, methods=["GET"]),
        Route("/apps/{appId:int}/webhooks/subscriptions", create_subscription,
              methods=["POST"]),
        Route("/apps/{appId:int}/webhooks/subscriptions/{subscriptionId}", change_subscription,
              methods=["PATCH", "DELETE"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
    ]
