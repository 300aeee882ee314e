"""HubSpot's record pages, read-only: /contacts/{portalId}/record/{objectTypeId}/{objectId}.

The product links every synced record here (HubSpot's knowledge base, "Understand object type
IDs": one URL shape for every CRM object). The page shows what the emulator holds — the record's
properties and its associations, each association linking to its own record page — so a person
following a link from the product sees the record, not the "not emulated" answer.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .catalog import OBJECT_TYPES, ObjectType, by_type_id
from .clock import iso
from .exceptions import ObjectNotFound
from .models import HubSpotWorld
from .pages import render
from .routes_oauth import SESSION_COOKIE

# The property that names a record in HubSpot's record header, per object type.
_NAME_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": ("firstname", "lastname"),
    "products": ("name",),
    "line_items": ("name",),
    "quotes": ("hs_title",),
    "invoices": ("hs_number",),
    "commerce_payments": ("hs_reference_number",),
    "taxes": ("hs_label",),
}


def record_path(portal_id: int | str, object_type: ObjectType, object_id: str) -> str:
    return f"/contacts/{portal_id}/record/{object_type.type_id}/{object_id}"


def record_name(object_type: ObjectType, properties: dict[str, str], object_id: str) -> str:
    parts = [properties.get(name, "") for name in _NAME_PROPERTIES.get(object_type.name, ())]
    name = " ".join(p for p in parts if p).strip()
    if not name and object_type.name == "contacts":
        name = properties.get("email", "")
    return name or f"{object_type.singular.replace('_', ' ').capitalize()} {object_id}"


def routes(world: HubSpotWorld) -> list[BaseRoute]:
    directory = world.directory

    async def record(request: Request) -> Response:
        portal_id = int(request.path_params["portalId"])
        type_id = str(request.path_params["objectTypeId"])
        object_id = str(request.path_params["objectId"])
        session = directory.session(request.cookies.get(SESSION_COOKIE))
        user = directory.user(session.user_email) if session else None
        if user is None:
            # HubSpot's app pages need a signed-in person; the sign-in page sends them back.
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if portal_id not in directory.portals:
            return render("error.html", 404, user=user, title="Account not found",
                          detail=f"There is no HubSpot account with Hub ID {portal_id}.")
        if user.membership(portal_id) is None:
            return render("error.html", 403, user=user, title="No access",
                          detail="You don't have access to this account.")
        object_type = by_type_id(type_id)
        if object_type is None:
            return render("error.html", 404, user=user, title="Object type not found",
                          detail=f"{type_id} is not an object type of this account.")
        backend = world.backend(portal_id)
        try:
            obj = backend.get_object(object_type.name, object_id)
        except ObjectNotFound:
            return render("error.html", 404, user=user, title="Record not found",
                          detail=f"This {object_type.singular.replace('_', ' ')} doesn't exist or was deleted.")
        associations = []
        for other in OBJECT_TYPES.values():
            linked = backend.associations_of(object_type.name, obj.id, other.name)
            if not linked:
                continue
            items = []
            for other_id, _types in linked:
                props = backend.get_object(other.name, other_id).properties
                items.append({"href": record_path(portal_id, other, other_id),
                              "name": record_name(other, props, other_id), "id": other_id})
            associations.append({"type": other.name.replace("_", " ").capitalize(), "records": items})
        properties = sorted((name, value) for name, value in obj.properties.items() if value != "")
        return render("record.html", user=user, portal=directory.portals[portal_id],
                      object_type=object_type, obj=obj,
                      name=record_name(object_type, obj.properties, obj.id),
                      created_at=iso(obj.created_at), updated_at=iso(obj.updated_at),
                      properties=properties, associations=associations,
                      sign_out_next=request.url.path)

    return [
        Route("/contacts/{portalId:int}/record/{objectTypeId}/{objectId}", record, methods=["GET"]),
    ]
