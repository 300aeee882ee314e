"""The Accounting API, `/v3/company/{realmId}/...`: auth, throttles, requestid, then the backend.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice (and siblings)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .clock import parse_qbo_datetime, qbo_time, utcnow
from .entities.company import CompanyBackend, entity_name
from .exceptions import (
    MALFORMED_INPUT,
    AuthenticationFailed,
    AuthorizationFault,
    QBOFault,
    RequestParseError,
    RequiredParamMissingError,
    ThrottleExceededError,
    UnsupportedOperationError,
    fault_body,
    malformed_input,
    render_authentication_failed,
    render_fault,
    render_fault_xml,
)
from .runtime import Runtime

logger = logging.getLogger(__name__)
Handler = Callable[[Request, CompanyBackend], Awaitable[dict[str, Any]]]


def with_time(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "time": qbo_time(utcnow())}


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise RequestParseError(f"Request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise RequestParseError("Request body must be a JSON object")
    return body


class AccountingRoutes:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _company(self, request: Request) -> CompanyBackend:
        """Authenticate the bearer token and check it belongs to this company."""
        realm_id = request.path_params["realm_id"]
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("missing bearer token")
        grant = self.runtime.world.oauth.grant_for_access_token(token.strip())
        if grant is None:
            raise AuthenticationFailed("token expired, revoked or unknown")
        if grant.realm_id != realm_id or realm_id not in self.runtime.world.companies:
            raise AuthorizationFault("The access token is not authorized for this company.")
        return self.runtime.world.companies[realm_id]

    def _throttle(self, realm_id: str, is_batch: bool) -> None:
        decision = self.runtime.limits.requests.hit(realm_id)
        if not decision.allowed:
            raise ThrottleExceededError(
                decision.retry_after_s,
                f"Too many requests: {decision.limit} per minute per company.",
            )
        if is_batch:
            batch_decision = self.runtime.limits.batches.hit(realm_id)
            if not batch_decision.allowed:
                raise ThrottleExceededError(
                    batch_decision.retry_after_s,
                    f"Too many batch requests: {batch_decision.limit} per minute per company.",
                )

    async def _answer(self, request: Request, company: CompanyBackend, handler: Handler) -> Response:
        """Run the handler; a POST carrying `requestid` gets its first answer again, fault or not
        (developer.intuit.com, "Idempotency: requestid")."""
        request_id = request.query_params.get("requestid") if request.method == "POST" else None
        if request_id:
            remembered = company.remembered(request_id)
            if remembered is not None:
                return JSONResponse(remembered[1], remembered[0])
        try:
            status, body = 200, with_time(await handler(request, company))
        except QBOFault as fault:
            status, body = fault.status, fault_body(fault)
        except MALFORMED_INPUT as exc:
            logger.exception("%s %s: malformed input", request.method, request.url.path)
            status, body = 400, fault_body(malformed_input(exc))
        if request_id:
            company.remember(request_id, status, body)
        return JSONResponse(body, status)

    def guarded(self, handler: Handler, is_batch: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            realm_id = request.path_params["realm_id"]
            limits = self.runtime.limits
            acquired = False
            try:
                company = self._company(request)
                self._throttle(realm_id, is_batch)
                if not limits.in_flight.try_acquire(realm_id):
                    raise ThrottleExceededError(1.0, "Too many concurrent requests for this company.")
                acquired = True
                if self.runtime.config.latency_ms:
                    await asyncio.sleep(self.runtime.config.latency_ms / 1000)
                return await self._answer(request, company, handler)
            except AuthenticationFailed as exc:
                return render_authentication_failed(exc)
            except ThrottleExceededError as fault:
                if self.runtime.config.throttle_xml:
                    return render_fault_xml(fault)
                return render_fault(fault)
            except QBOFault as fault:
                return render_fault(fault)
            finally:
                if acquired:
                    limits.in_flight.release(realm_id)
                if self.runtime.webhooks is not None:
                    self.runtime.webhooks.flush()

        return endpoint

    # -- handlers (request -> backend -> provider-shaped dict) -------------------------------------
    async def read_entity(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        entity = entity_name(request.path_params["entity"])
        return {entity: company.read(entity, request.path_params["entity_id"])}

    async def write_entity(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        entity = entity_name(request.path_params["entity"])
        operation = request.query_params.get("operation", "").lower()
        if operation == "update" and request.query_params.get("include") == "void":
            operation = "void"  # Payment void: ?operation=update&include=void
        body = await json_body(request)
        return {entity: company.write(entity, operation, body)}

    async def company_info(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        if request.path_params["info_id"] not in (company.realm_id, "1"):
            company.get("CompanyInfo", request.path_params["info_id"])
        return {"CompanyInfo": company.company_info()}

    async def preferences(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        if request.method == "POST":
            raise UnsupportedOperationError("The emulator does not update Preferences")
        return {"Preferences": company.preferences()}

    async def query(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        text = request.query_params.get("query")
        if request.method == "POST" and not text:
            text = (await request.body()).decode("utf-8", errors="replace")
        return {"QueryResponse": company.query(text or "")}

    async def cdc(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        entities = [e for e in request.query_params.get("entities", "").split(",") if e.strip()]
        since = request.query_params.get("changedSince", "")
        if not entities:
            raise RequiredParamMissingError("Required parameter entities is missing", element="entities")
        if not since:
            raise RequiredParamMissingError(
                "Required parameter changedSince is missing", element="changedSince"
            )
        try:
            changed_since = parse_qbo_datetime(since)
        except ValueError as exc:
            raise RequestParseError(f"changedSince is not an ISO 8601 date-time: {since}") from exc
        responses = company.cdc([e.strip() for e in entities], changed_since)
        return {"CDCResponse": [{"QueryResponse": responses}]}

    async def batch(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        body = await json_body(request)
        items = body.get("BatchItemRequest")
        if not isinstance(items, list):
            raise RequiredParamMissingError(
                "Required parameter BatchItemRequest is missing", element="BatchItemRequest"
            )
        return {"BatchItemResponse": company.batch(items)}

    async def not_emulated(self, request: Request, company: CompanyBackend) -> dict[str, Any]:
        raise UnsupportedOperationError(
            f"{request.method} {request.url.path} is not emulated by the QuickBooks emulator"
        )

    def routes(self) -> list[BaseRoute]:
        prefix = "/v3/company/{realm_id}"
        return [
            Route(f"{prefix}/companyinfo/{{info_id}}", self.guarded(self.company_info), methods=["GET"]),
            Route(f"{prefix}/preferences", self.guarded(self.preferences), methods=["GET", "POST"]),
            Route(f"{prefix}/query", self.guarded(self.query), methods=["GET", "POST"]),
            Route(f"{prefix}/cdc", self.guarded(self.cdc), methods=["GET"]),
            Route(f"{prefix}/batch", self.guarded(self.batch, is_batch=True), methods=["POST"]),
            Route(f"{prefix}/{{entity}}/{{entity_id}}", self.guarded(self.read_entity), methods=["GET"]),
            Route(f"{prefix}/{{entity}}", self.guarded(self.write_entity), methods=["POST"]),
            Route(
                f"{prefix}/{{rest:path}}",
                self.guarded(self.not_emulated),
                methods=["GET", "POST", "PUT", "DELETE"],
            ),
        ]
