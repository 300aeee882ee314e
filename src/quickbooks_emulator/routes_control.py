"""The emulator's own control API under /_emulator/ (state, reset, seed, apps, tokens, disconnect).

Faults and the request log are the shared routes of `emulator_core.app`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator_core.generated_world import MAX_LINES_PER_INVOICE, MAX_SEED, whole_number

from .clock import utcnow
from .exceptions import OAuthError, QBOFault
from .generate import MAX_RECORDS, generate
from .models import UnknownCompany
from .runtime import Runtime


async def optional_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("The body must be a JSON object.")
    return body


def bad_request(message: str, status: int = 400) -> Response:
    return JSONResponse({"error": message}, status)


class ControlRoutes:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.world = runtime.world

    async def state(self, request: Request) -> Response:
        state = self.world.state()
        if self.runtime.webhooks is not None:
            state["webhooks"] = self.runtime.webhooks.stats()
        return JSONResponse(state)

    def _reseed(self, name: str) -> Response:
        try:
            self.world.seed(name)
        except ValueError as exc:
            return bad_request(str(exc))
        self.runtime.limits.reset()
        self.runtime.faults.clear()
        self.runtime.log.clear()
        return JSONResponse({"reset": True, "seed": name})

    async def reset(self, request: Request) -> Response:
        """Back to the start-up world (or the seed named in the body)."""
        try:
            body = await optional_json(request)
        except ValueError as exc:
            return bad_request(str(exc))
        return self._reseed(str(body.get("seed") or self.runtime.config.seed))

    async def seed(self, request: Request) -> Response:
        try:
            body = await optional_json(request)
        except ValueError as exc:
            return bad_request(str(exc))
        return self._reseed(str(body.get("seed") or "demo"))

    async def upsert_app(self, request: Request) -> Response:
        try:
            body = await optional_json(request)
        except ValueError as exc:
            return bad_request(str(exc))
        uris = body.get("redirect_uris")
        if not isinstance(uris, list) or not all(
            isinstance(u, str) and u.startswith(("http://", "https://")) for u in uris
        ):
            return bad_request("redirect_uris must be a list of http(s) URLs")
        existing = str(body.get("client_id") or "") in self.world.oauth.apps
        app = self.world.oauth.upsert_app(
            uris,
            client_id=body.get("client_id") or None,
            client_secret=body.get("client_secret") or None,
            name=body.get("name") or None,
        )
        return JSONResponse(app.to_json(), 200 if existing else 201)

    async def company_token(self, request: Request) -> Response:
        realm_id = request.path_params["realm_id"]
        try:
            body = await optional_json(request)
            tokens = self.world.issue_tokens(realm_id, body.get("client_id"))
        except ValueError as exc:
            return bad_request(str(exc))
        except UnknownCompany:
            return bad_request(f"Unknown company {realm_id}", 404)
        except OAuthError as exc:
            return bad_request(exc.description or exc.error)
        payload = tokens.to_json(utcnow())
        payload.update({"realm_id": realm_id, "client_id": tokens.grant.client_id})
        return JSONResponse(payload, 201)

    async def disconnect(self, request: Request) -> Response:
        realm_id = request.path_params["realm_id"]
        if realm_id not in self.world.companies:
            return bad_request(f"Unknown company {realm_id}", 404)
        try:
            body = await optional_json(request)
        except ValueError as exc:
            return bad_request(str(exc))
        revoked = self.world.oauth.disconnect(realm_id, body.get("client_id"))
        return JSONResponse({"realm_id": realm_id, "revoked_grants": revoked})

    async def expire_tokens(self, request: Request) -> Response:
        """Expire access tokens now; `refresh_age_seconds` also ages refresh tokens (rotation)."""
        try:
            body = await optional_json(request)
        except ValueError as exc:
            return bad_request(str(exc))
        realm_id = body.get("realm_id")
        expired = self.world.oauth.expire_access_tokens(realm_id)
        aged = 0
        if body.get("refresh_age_seconds"):
            aged = self.world.oauth.age_refresh_tokens(float(body["refresh_age_seconds"]), realm_id)
        return JSONResponse({"expired": expired, "aged_refresh_tokens": aged})

    async def generate_records(self, request: Request) -> Response:
        realm_id = request.path_params["realm_id"]
        if realm_id not in self.world.companies:
            return bad_request(f"Unknown company {realm_id}", 404)
        listeners, self.world.listeners = self.world.listeners, []  # bulk data sends no webhooks
        try:
            body = await optional_json(request)
            # HubSpot's names (contacts, products) are accepted too, so one body drives both sides.
            counts = {
                "customers": whole_number(body.get("customers", body.get("contacts")), "customers",
                                          0, MAX_RECORDS),
                "items": whole_number(body.get("items", body.get("products")), "items", 0,
                                      MAX_RECORDS),
                "invoices": whole_number(body.get("invoices"), "invoices", 0, MAX_RECORDS),
            }
            status = body.get("invoice_status", "open")
            created = generate(
                self.world.company(realm_id),
                lines_per_invoice=whole_number(body.get("lines_per_invoice"), "lines_per_invoice",
                                               3, MAX_LINES_PER_INVOICE),
                seed=whole_number(body.get("seed"), "seed", 1, MAX_SEED),
                invoice_status=None if status in (None, "mixed") else str(status),
                **counts,
            )
        except (ValueError, QBOFault) as exc:
            return bad_request(str(exc))
        finally:
            self.world.listeners = listeners
        return JSONResponse({"realm_id": realm_id, "created": created}, 201)

    async def webhooks(self, request: Request) -> Response:
        """GET: delivery settings and counts. POST {"url"?, "verifier"?, "format"?}: change them
        (format "cloudevents" or "eventNotifications"; url "" stops delivery)."""
        if request.method == "POST":
            try:
                body = await optional_json(request)
                url = body.get("url")
                self.runtime.configure_webhooks(
                    None if url is None else str(url),
                    str(body["verifier"]) if body.get("verifier") else None,
                    str(body["format"]) if body.get("format") else None,
                )
            except ValueError as exc:
                return bad_request(str(exc))
        publisher = self.runtime.webhooks
        if publisher is None:
            return JSONResponse({"url": None, "format": self.runtime.config.webhook_format})
        return JSONResponse(publisher.stats())

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/state", self.state, methods=["GET"]),
            Route("/reset", self.reset, methods=["POST"]),
            Route("/seed", self.seed, methods=["POST"]),
            Route("/apps", self.upsert_app, methods=["POST"]),
            Route("/companies/{realm_id}/token", self.company_token, methods=["POST"]),
            Route("/companies/{realm_id}/disconnect", self.disconnect, methods=["POST"]),
            Route("/companies/{realm_id}/generate", self.generate_records, methods=["POST"]),
            Route("/tokens/expire", self.expire_tokens, methods=["POST"]),
            Route("/webhooks", self.webhooks, methods=["GET", "POST"]),
        ]
