"""HubSpot's own pages besides OAuth: an index and Settings → Integrations → Connected apps."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .accounts import User
from .clock import iso
from .models import HubSpotWorld
from .pages import render
from .routes_oauth import SESSION_COOKIE


def routes(world: HubSpotWorld) -> list[BaseRoute]:
    directory = world.directory
    oauth = world.oauth

    def signed_in(request: Request) -> tuple[User | None, str]:
        session = directory.session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return None, ""
        return directory.user(session.user_email), session.form_token

    def sign_in_first(request: Request) -> Response:
        # The sign-in form lives with the OAuth routes; send the person there and back.
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    async def index(request: Request) -> Response:
        user, _ = signed_in(request)
        return render("index.html", user=user, portals=list(directory.portals.values()))

    async def connected_apps(request: Request) -> Response:
        portal_id = request.path_params["portalId"]
        portal = directory.portals.get(portal_id)
        if portal is None:
            return render("error.html", 404, title="Account not found",
                          detail=f"There is no HubSpot account with Hub ID {portal_id}.")
        user, form_token = signed_in(request)
        if user is None:
            return sign_in_first(request)
        membership = user.membership(portal_id)
        if membership is None:
            return render("error.html", 403, user=user, title="No access",
                          detail="You don't have access to this account.")
        installs = []
        for install in oauth.installs_of(portal_id):
            app = oauth.app(install.client_id)
            if app is not None:
                installs.append({"app": app, "install": install,
                                 "installed_at": iso(install.installed_at)[:10]})
        return render("connected_apps.html", user=user, portal=portal, installs=installs,
                      can_uninstall=membership.super_admin, form_token=form_token,
                      message=request.query_params.get("message", ""),
                      sign_out_next=request.url.path)

    async def uninstall(request: Request) -> Response:
        portal_id = request.path_params["portalId"]
        user, form_token = signed_in(request)
        if user is None:
            return sign_in_first(request)
        form = await request.form()
        membership = user.membership(portal_id)
        if membership is None or not membership.super_admin or not secrets.compare_digest(
                str(form.get("form_token") or ""), form_token):
            return render("error.html", 403, user=user, title="Not allowed",
                          detail="Only a Super Admin of this account can uninstall apps.")
        client_id = str(form.get("client_id") or "")
        app = oauth.app(client_id)
        oauth.uninstall(portal_id, client_id)
        name = app.name if app else client_id
        return RedirectResponse(
            f"/integrations-settings/{portal_id}/installed?message={name}+was+uninstalled.",
            status_code=303)

    return [
        Route("/", index, methods=["GET"]),
        Route("/integrations-settings/{portalId:int}/installed", connected_apps, methods=["GET"]),
        Route("/integrations-settings/{portalId:int}/installed/uninstall", uninstall,
              methods=["POST"]),
    ]
