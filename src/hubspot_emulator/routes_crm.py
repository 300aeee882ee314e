"""CRM v3 objects: basic, batch and search endpoints (https://developers.hubspot.com/docs/api/crm)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .api import Api, ApiCall, json_body, query_bool, query_list
from .catalog import ObjectType, object_type
from .exceptions import NotEmulated, ObjectNotFound, ValidationError
from .rendering import batch_error, batch_response, outcome_response, record
from .search import MAX_RESULTS, parse_request

MAX_LIST_LIMIT = 100


def _type(request: Request) -> ObjectType:
    return object_type(request.path_params["objectType"])


def read_scopes(request: Request) -> list[list[str]]:
    kind = _type(request)
    legacy = ["e-commerce"] if kind.name in ("products", "line_items") else []
    return [[kind.read_scope, *legacy]]


def write_scopes(request: Request) -> list[list[str]]:
    kind = _type(request)
    legacy = ["e-commerce"] if kind.name in ("products", "line_items") else []
    return [[kind.write_scope, *legacy]]


def batch_scopes(request: Request) -> list[list[str]]:
    if request.path_params["action"] == "read":
        return read_scopes(request)
    return write_scopes(request)


def _limit(request: Request, default: int, maximum: int) -> int:
    try:
        value = int(request.query_params.get("limit", default))
    except ValueError as exc:
        raise ValidationError("limit must be an integer") from exc
    return max(1, min(value, maximum))


def routes(api: Api) -> list[BaseRoute]:
    @api.endpoint(read_scopes)
    async def list_objects(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        limit = _limit(request, 10, MAX_LIST_LIMIT)
        after = request.query_params.get("after")
        if after is not None and not after.isdigit():
            raise ValidationError(f"after must be a paging cursor from a previous page: {after}")
        page, next_after = call.backend.list_objects(kind.name, limit, after,
                                                     query_bool(request, "archived"))
        properties = query_list(request, "properties")
        history = query_list(request, "propertiesWithHistory")
        associations = query_list(request, "associations")
        body: dict[str, Any] = {"results": [
            record(o, kind, properties, call.backend, history, associations) for o in page]}
        if next_after is not None:
            link = f"{request.url.path}?after={next_after}&limit={limit}"
            body["paging"] = {"next": {"after": next_after, "link": link}}
        return JSONResponse(body)

    @api.endpoint(write_scopes)
    async def create_object(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        payload = await json_body(request)
        obj = call.backend.create_object(kind.name, payload.get("properties") or {},
                                         payload.get("associations"), call.source)
        return JSONResponse(obj.view(None), status_code=201)

    @api.endpoint(read_scopes)
    async def get_object(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        obj = call.backend.get_object(kind.name, request.path_params["objectId"],
                                      request.query_params.get("idProperty"),
                                      query_bool(request, "archived"))
        return JSONResponse(record(obj, kind, query_list(request, "properties"), call.backend,
                                   query_list(request, "propertiesWithHistory"),
                                   query_list(request, "associations")))

    @api.endpoint(write_scopes)
    async def update_object(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        payload = await json_body(request)
        obj = call.backend.update_object(kind.name, request.path_params["objectId"],
                                         payload.get("properties") or {},
                                         request.query_params.get("idProperty"), call.source)
        return JSONResponse(obj.view(None))

    @api.endpoint(write_scopes)
    async def archive_object(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        call.backend.archive_object(kind.name, request.path_params["objectId"], call.source)
        return Response(status_code=204)

    @api.endpoint(batch_scopes)
    async def batch(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        action = request.path_params["action"]
        payload = await json_body(request)
        inputs = payload.get("inputs")
        if not isinstance(inputs, list):
            raise ValidationError("inputs is required and must be a list.")
        backend = call.backend
        if action == "read":
            ids = [str(i.get("id")) for i in inputs]
            found, missing = backend.batch_read(kind.name, ids, payload.get("idProperty"),
                                                query_bool(request, "archived"))
            results = [record(o, kind, payload.get("properties") or None, backend,
                              payload.get("propertiesWithHistory") or None) for o in found]
            errors = []
            if missing:
                error = ObjectNotFound(
                    f"Could not get some {kind.singular.upper()} objects, they may be deleted or "
                    "not exist. Check that ids are valid.", context={"ids": missing})
                errors.append(batch_error(error))
            return batch_response(results, errors, 200)
        if action == "create":
            return outcome_response(backend.batch_create(kind.name, inputs, call.source), 201)
        if action == "update":
            return outcome_response(backend.batch_update(kind.name, inputs, call.source), 200)
        if action == "upsert":
            return outcome_response(backend.batch_upsert(kind.name, inputs, call.source), 200,
                                    upsert=True)
        if action == "archive":
            backend.batch_archive(kind.name, [str(i.get("id")) for i in inputs], call.source)
            return Response(status_code=204)
        raise NotEmulated(f"Batch action {action!r} is not emulated.")

    @api.endpoint(read_scopes, search=True)
    async def search(request: Request, call: ApiCall) -> Response:
        kind = _type(request)
        search_request = parse_request(await json_body(request))
        page, total = call.backend.search_objects(kind, search_request)
        body: dict[str, Any] = {
            "total": total,
            "results": [record(o, kind, search_request.properties, call.backend) for o in page],
        }
        next_offset = search_request.after + len(page)
        if next_offset < min(total, MAX_RESULTS) and page:
            body["paging"] = {"next": {"after": str(next_offset)}}
        return JSONResponse(body)

    prefix = "/crm/v3/objects/{objectType}"
    return [
        Route(prefix, list_objects, methods=["GET"]),
        Route(prefix, create_object, methods=["POST"]),
        Route(prefix + "/search", search, methods=["POST"]),
        Route(prefix + "/batch/{action}", batch, methods=["POST"]),
        Route(prefix + "/{objectId}", get_object, methods=["GET"]),
        Route(prefix + "/{objectId}", update_object, methods=["PATCH"]),
        Route(prefix + "/{objectId}", archive_object, methods=["DELETE"]),
    ]
