"""Associations v4 (https://developers.hubspot.com/docs/api/crm/associations/v4)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .api import Api, ApiCall, json_body
from .catalog import ObjectType, object_type
from .exceptions import HubSpotError, NotEmulated, ValidationError
from .objects import DEFAULT_TYPES, AssociationType, association_type_by_id
from .rendering import batch_error, batch_response

DEFAULT_PAGE = 500


def _pair(request: Request) -> tuple[ObjectType, ObjectType]:
    params = request.path_params
    source = params.get("fromObjectType") or params["objectType"]
    return object_type(source), object_type(params["toObjectType"])


def read_scopes(request: Request) -> list[list[str]]:
    source, target = _pair(request)
    return [[source.read_scope], [target.read_scope]]


def write_scopes(request: Request) -> list[list[str]]:
    source, target = _pair(request)
    return [[source.write_scope], [target.read_scope, target.write_scope]]


def batch_scopes(request: Request) -> list[list[str]]:
    return read_scopes(request) if request.path_params["action"] == "read" else \
        write_scopes(request)


def _spec(association: AssociationType) -> dict[str, Any]:
    # `label` is a string in the v4 spec: an unlabeled association leaves it out.
    body: dict[str, Any] = {"category": association.category, "typeId": association.type_id}
    if association.label is not None:
        body["label"] = association.label
    return body


def _types_of(source: ObjectType, target: ObjectType, type_ids: list[int]) -> list[dict[str, Any]]:
    known = DEFAULT_TYPES.get((source.name, target.name))
    return [_spec(known) if known and known.type_id == t else
            {"category": "HUBSPOT_DEFINED", "typeId": t} for t in type_ids]


# Ids are strings in the v4 spec (LabelsBetweenObjectPair, MultiAssociatedObjectWithLabel).
def _labels_pair(source: ObjectType, from_id: str, target: ObjectType,
                 to_id: str) -> dict[str, Any]:
    return {"fromObjectTypeId": source.type_id, "fromObjectId": str(from_id),
            "toObjectTypeId": target.type_id, "toObjectId": str(to_id), "labels": []}


def _default_result(association: AssociationType, from_id: str, to_id: str) -> dict[str, Any]:
    return {"from": {"id": from_id}, "to": {"id": to_id},
            "associationSpec": {"associationCategory": association.category,
                                "associationTypeId": association.type_id}}


def _parse_types(source: ObjectType, target: ObjectType,
                 raw: object) -> list[AssociationType]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError("At least one association type is required.")
    return [association_type_by_id(source.name, target.name,
                                   int(item.get("associationTypeId", 0)),
                                   str(item.get("associationCategory", "HUBSPOT_DEFINED")))
            for item in raw]


def routes(api: Api) -> list[BaseRoute]:
    @api.endpoint(write_scopes)
    async def associate_default(request: Request, call: ApiCall) -> Response:
        source, target = _pair(request)
        from_id = request.path_params["fromObjectId"]
        to_id = request.path_params["toObjectId"]
        association = call.backend.associate_default(source.name, from_id, target.name, to_id,
                                                     call.source)
        return batch_response([_default_result(association, from_id, to_id)], [], 200)

    @api.endpoint(write_scopes)
    async def associate_labeled(request: Request, call: ApiCall) -> Response:
        source, target = _pair(request)
        from_id = request.path_params["objectId"]
        to_id = request.path_params["toObjectId"]
        types = _parse_types(source, target, await json_body(request))
        call.backend.associate(source.name, from_id, target.name, to_id, types, call.source)
        return JSONResponse(_labels_pair(source, from_id, target, to_id), status_code=201)

    @api.endpoint(write_scopes)
    async def remove(request: Request, call: ApiCall) -> Response:
        source, target = _pair(request)
        call.backend.remove_association(source.name, request.path_params["objectId"],
                                        target.name, request.path_params["toObjectId"],
                                        call.source)
        return Response(status_code=204)

    @api.endpoint(read_scopes)
    async def list_associations(request: Request, call: ApiCall) -> Response:
        source, target = _pair(request)
        found = call.backend.associations_of(source.name, request.path_params["objectId"],
                                             target.name)
        try:
            limit = max(1, min(int(request.query_params.get("limit") or DEFAULT_PAGE),
                               DEFAULT_PAGE))
            after = int(request.query_params.get("after") or 0)
        except ValueError as exc:
            raise ValidationError("limit and after must be integers") from exc
        page = found[after:after + limit]
        body: dict[str, Any] = {"results": [
            {"toObjectId": oid, "associationTypes": _types_of(source, target, types)}
            for oid, types in page]}
        if after + limit < len(found):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return JSONResponse(body)

    @api.endpoint(read_scopes)
    async def labels(request: Request, call: ApiCall) -> Response:
        source, target = _pair(request)
        known = DEFAULT_TYPES.get((source.name, target.name))
        return JSONResponse({"results": [_spec(known)] if known else []})

    @api.endpoint(batch_scopes)
    async def batch(request: Request, call: ApiCall) -> Response:
        source, target = _pair(request)
        action = request.path_params["action"]
        payload = await json_body(request)
        inputs = payload.get("inputs")
        if not isinstance(inputs, list):
            raise ValidationError("inputs is required and must be a list.")
        if len(inputs) > 1000:
            # Associations batch endpoints take up to 1,000 inputs (v4 docs).
            raise ValidationError("Batch input cannot be larger than 1000 inputs.")
        backend = call.backend
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for item in inputs:
            # Reads take `{id}`, writes take `{from: {id}, to: ...}`.
            from_id = str(item.get("id") or (item.get("from") or {}).get("id", ""))
            try:
                if action == "read":
                    found = backend.associations_of(source.name, from_id, target.name)
                    results.append({"from": {"id": from_id}, "to": [
                        {"toObjectId": oid,
                         "associationTypes": _types_of(source, target, types)}
                        for oid, types in found]})
                elif action == "create":
                    to_id = str((item.get("to") or {}).get("id", ""))
                    types = _parse_types(source, target, item.get("types"))
                    backend.associate(source.name, from_id, target.name, to_id, types,
                                      call.source)
                    results.append(_labels_pair(source, from_id, target, to_id))
                elif action == "associate":
                    to_id = str((item.get("to") or {}).get("id", ""))
                    association = backend.associate_default(source.name, from_id, target.name,
                                                            to_id, call.source)
                    results.append(_default_result(association, from_id, to_id))
                elif action in ("archive", "labels-archive"):
                    targets = item.get("to")
                    targets = targets if isinstance(targets, list) else [targets or {}]
                    for to in targets:
                        backend.remove_association(source.name, from_id, target.name,
                                                   str(to.get("id", "")), call.source)
                else:
                    raise NotEmulated(f"Batch action {action!r} is not emulated.")
            except NotEmulated:
                raise
            except HubSpotError as error:
                errors.append(batch_error(error))
        if action in ("archive", "labels-archive"):
            return batch_response([], errors, 200) if errors else Response(status_code=204)
        if errors and not results:
            return batch_response([], errors, 200)
        return batch_response(results, errors, 201 if action == "create" else 200)

    async def batch_default(request: Request) -> Response:
        request.path_params["action"] = "associate"
        return await batch(request)

    async def batch_labels_archive(request: Request) -> Response:
        request.path_params["action"] = "labels-archive"
        return await batch(request)

    v4 = "/crm/v4/objects/{objectType}/{objectId}/associations"
    batch_prefix = "/crm/v4/associations/{fromObjectType}/{toObjectType}"
    return [
        Route("/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/"
              "{toObjectType}/{toObjectId}", associate_default, methods=["PUT"]),
        Route(v4 + "/{toObjectType}/{toObjectId}", associate_labeled, methods=["PUT"]),
        Route(v4 + "/{toObjectType}/{toObjectId}", remove, methods=["DELETE"]),
        Route(v4 + "/{toObjectType}", list_associations, methods=["GET"]),
        Route(batch_prefix + "/labels", labels, methods=["GET"]),
        Route(batch_prefix + "/batch/associate/default", batch_default, methods=["POST"]),
        Route(batch_prefix + "/batch/labels/archive", batch_labels_archive, methods=["POST"]),
        Route(batch_prefix + "/batch/{action}", batch, methods=["POST"]),
    ]
