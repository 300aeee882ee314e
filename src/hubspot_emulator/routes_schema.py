"""Properties API v3 and tax rates v1: the definitions around CRM records."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .api import Api, ApiCall, json_body, query_bool
from .catalog import ObjectType, object_type
from .exceptions import NotEmulated, ValidationError
from .rendering import batch_error, batch_response


def _type(request: Request) -> ObjectType:
    return object_type(request.path_params["objectType"])


def schema_read(request: Request) -> list[list[str]]:
    kind = _type(request)
    # Reading property definitions also works with the object's read scope.
    return [[kind.schema_read_scope, kind.read_scope]]


def schema_write(request: Request) -> list[list[str]]:
    return [[_type(request).schema_write_scope]]


def tax_scopes(request: Request) -> list[list[str]]:
    return [["tax_rates.read"]]


async def _object_body(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.")
    return body


def routes(api: Api) -> list[BaseRoute]:
    @api.endpoint(schema_read)
    async def list_properties(request: Request, call: ApiCall) -> Response:
        definitions = call.backend.properties.all(_type(request).name,
                                                  query_bool(request, "archived"))
        return JSONResponse({"results": [d.as_json() for d in definitions]})

    @api.endpoint(schema_read)
    async def get_property(request: Request, call: ApiCall) -> Response:
        definition = call.backend.properties.get(_type(request).name,
                                                 request.path_params["propertyName"])
        return JSONResponse(definition.as_json())

    @api.endpoint(schema_write)
    async def create_property(request: Request, call: ApiCall) -> Response:
        definition = call.backend.create_property(_type(request).name, await json_body(request))
        return JSONResponse(definition.as_json(), status_code=201)

    @api.endpoint(schema_write)
    async def update_property(request: Request, call: ApiCall) -> Response:
        definition = call.backend.update_property(
            _type(request).name, request.path_params["propertyName"], await json_body(request))
        return JSONResponse(definition.as_json())

    @api.endpoint(schema_write)
    async def archive_property(request: Request, call: ApiCall) -> Response:
        call.backend.archive_property(_type(request).name, request.path_params["propertyName"])
        return Response(status_code=204)

    def batch_properties_scopes(request: Request) -> list[list[str]]:
        return schema_read(request) if request.path_params["action"] == "read" else \
            schema_write(request)

    @api.endpoint(batch_properties_scopes)
    async def batch_properties(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        payload = await json_body(request)
        inputs = payload.get("inputs")
        if not isinstance(inputs, list):
            raise ValidationError("inputs is required and must be a list.")
        action = request.path_params["action"]
        registry = call.backend.properties
        if action == "read":
            names = [str(i.get("name")) for i in inputs]
            found = [registry.find(kind.name, n) for n in names]
            return batch_response([d.as_json() for d in found if d is not None], [], 200)
        if action == "create":
            results, errors = [], []
            for spec in inputs:
                try:
                    results.append(call.backend.create_property(kind.name, spec).as_json())
                except ValidationError as error:
                    errors.append(batch_error(error))
            return batch_response(results, errors, 201)
        raise NotEmulated(f"Batch action {action!r} on properties is not emulated.")

    @api.endpoint(tax_scopes)
    async def list_tax_rates(request: Request, call: ApiCall) -> Response:
        active_param = request.query_params.get("active")
        active = None if active_param is None else active_param.lower() == "true"
        try:
            after = int(request.query_params.get("after") or 0)
            limit = max(1, min(int(request.query_params.get("limit") or 100), 100))
        except ValueError as exc:
            raise ValidationError("after and limit must be integers") from exc
        page, next_after = call.backend.tax_rates.page(active, after, limit)
        body: dict[str, object] = {"results": [r.as_json() for r in page]}
        if next_after is not None:
            body["paging"] = {"next": {"after": str(next_after)}}
        return JSONResponse(body)

    @api.endpoint(tax_scopes)
    async def get_tax_rate(request: Request, call: ApiCall) -> Response:
        return JSONResponse(call.backend.tax_rates.get(request.path_params["taxRateId"]).as_json())

    @api.endpoint(schema_read)
    async def list_groups(request: Request, call: ApiCall) -> Response:
        groups = call.backend.properties.groups.all(_type(request).name)
        return JSONResponse({"results": [g.as_json() for g in groups]})

    @api.endpoint(schema_write)
    async def create_group(request: Request, call: ApiCall) -> Response:
        group = call.backend.properties.groups.create(_type(request).name,
                                                      await _object_body(request))
        return JSONResponse(group.as_json(), status_code=201)

    @api.endpoint(schema_read)
    async def get_group(request: Request, call: ApiCall) -> Response:
        group = call.backend.properties.groups.get(_type(request).name,
                                                   request.path_params["groupName"])
        return JSONResponse(group.as_json())

    @api.endpoint(schema_write)
    async def update_group(request: Request, call: ApiCall) -> Response:
        group = call.backend.properties.groups.update(
            _type(request).name, request.path_params["groupName"], await _object_body(request))
        return JSONResponse(group.as_json())

    @api.endpoint(schema_write)
    async def archive_group(request: Request, call: ApiCall) -> Response:
        call.backend.properties.archive_group(_type(request).name,
                                              request.path_params["groupName"])
        return Response(status_code=204)

    prefix = "/crm/v3/properties/{objectType}"
    return [
        Route(prefix, list_properties, methods=["GET"]),
        Route(prefix, create_property, methods=["POST"]),
        Route(prefix + "/groups", list_groups, methods=["GET"]),
        Route(prefix + "/groups", create_group, methods=["POST"]),
        Route(prefix + "/groups/{groupName}", get_group, methods=["GET"]),
        Route(prefix + "/groups/{groupName}", update_group, methods=["PATCH"]),
        Route(prefix + "/groups/{groupName}", archive_group, methods=["DELETE"]),
        Route(prefix + "/batch/{action}", batch_properties, methods=["POST"]),
        Route(prefix + "/{propertyName}", get_property, methods=["GET"]),
        Route(prefix + "/{propertyName}", update_property, methods=["PATCH"]),
        Route(prefix + "/{propertyName}", archive_property, methods=["DELETE"]),
        Route("/tax-rates/v1/tax-rates", list_tax_rates, methods=["GET"]),
        Route("/tax-rates/v1/tax-rates/{taxRateId}", get_tax_rate, methods=["GET"]),
    ]
