"""HubSpot's JSON shapes for records, batches and errors inside batches."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from .catalog import OBJECT_TYPES, ObjectType
from .clock import iso, utcnow
from .exceptions import HubSpotError, error_response
from .models import BatchOutcome, HubSpotBackend
from .objects import DEFAULT_TYPES as _DEFAULT_TYPES
from .objects import CrmObject, association_name

BASE_PROPERTIES = ("hs_object_id", "createdate", "hs_lastmodifieddate")


def shown_properties(object_type: ObjectType, requested: list[str] | None,
                     backend: HubSpotBackend) -> list[str]:
    """Requested names that exist (unknown ones are ignored, as HubSpot documents), else the
    type's defaults."""
    base = [*BASE_PROPERTIES, *(["lastmodifieddate"] if object_type.name == "contacts" else [])]
    if requested:
        known = [n for n in requested if backend.properties.find(object_type.name, n) is not None]
        # HubSpot always adds the record id and its create/modified dates.
        return list(dict.fromkeys([*known, *base]))
    return [*object_type.default_properties, *base]


def record(obj: CrmObject, object_type: ObjectType, requested: list[str] | None,
           backend: HubSpotBackend, history: list[str] | None = None,
           associations: list[str] | None = None) -> dict[str, Any]:
    body = obj.view(shown_properties(object_type, requested, backend), history)
    if associations:
        linked: dict[str, Any] = {}
        for to_name in associations:
            to_type = OBJECT_TYPES.get(to_name)
            if to_type is None:
                continue
            results = []
            for other_id, type_ids in backend.associations_of(object_type.name, obj.id,
                                                              to_type.name):
                for type_id in type_ids:
                    association = _DEFAULT_TYPES.get((object_type.name, to_type.name))
                    name = (association_name(association)
                            if association and association.type_id == type_id else str(type_id))
                    results.append({"id": other_id, "type": name})
            if results:
                linked[to_type.name] = {"results": results}
        if linked:
            body["associations"] = linked
    return body


def full_record(obj: CrmObject) -> dict[str, Any]:
    """After a write HubSpot echoes every property the record has."""
    return obj.view(None)


def batch_error(error: HubSpotError) -> dict[str, Any]:
    return {
        "status": "error",
        "category": error.category,
        "message": error.message,
        "context": error.context or {},
        "errors": error.errors or [],
        "links": {},
    }


def batch_response(results: list[dict[str, Any]], errors: list[dict[str, Any]],
                   ok_status: int) -> JSONResponse:
    now = iso(utcnow())
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": now,
                            "completedAt": now}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        # https://developers.hubspot.com/docs/api/crm/understanding-the-crm: 207 Multi-Status.
        return JSONResponse(body, status_code=207)
    return JSONResponse(body, status_code=ok_status)


def outcome_response(outcome: BatchOutcome, ok_status: int, upsert: bool = False) -> JSONResponse:
    if outcome.errors and not outcome.results:
        return error_response(outcome.errors[0]) if len(outcome.errors) == 1 else batch_response(
            [], [batch_error(e) for e in outcome.errors], ok_status)
    results = []
    for obj in outcome.results:
        body = full_record(obj)
        if upsert:
            body["new"] = obj.id in outcome.created
        results.append(body)
    return batch_response(results, [batch_error(e) for e in outcome.errors], ok_status)
