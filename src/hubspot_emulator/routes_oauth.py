"""OAuth 2.0 like HubSpot: consent pages, the token endpoint, token information and revocation.

https://developers.hubspot.com/docs/api/oauth-quickstart-guide and
https://developers.hubspot.com/docs/api/oauth/tokens.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .accounts import User
from .catalog import KNOWN_SCOPES
from .clock import correlation_id
from .config import EmulatorConfig
from .exceptions import (
    CORRELATION_HEADER,
    AuthorizeError,
    AuthorizePageError,
    HubSpotError,
    OAuthError,
    ObjectNotFound,
    error_response,
)
from .models import HubSpotWorld
from .oauth_models import AccessToken, App, RefreshToken
from .pages import render

SESSION_COOKIE = "hubspot_emulator_session"
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "scope", "optional_scope", "state")


def redirect_with(uri: str, params: dict[str, str]) -> RedirectResponse:
    """Append params to the app's redirect URI, keeping any query it already has."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


def _authorize_query(source: Any) -> dict[str, str]:
    return {name: str(source.get(name) or "") for name in AUTHORIZE_FIELDS}


def _with_state(params: dict[str, str], state: str) -> dict[str, str]:
    if state:
        params["state"] = state
    return params


# HubSpot's status codes → RFC 6749 §5.2 error codes. HubSpot's changelog "New OAuth v3 API endpoints
# and standardized error responses" adds `error`/`error_description` beside `status`/`message` on v1
# and v3 alike; the mapping is ours where HubSpot doesn't publish one (README, "OAuth").
RFC6749_ERRORS = {
    "BAD_AUTH_CODE": "invalid_grant",
    "BAD_REFRESH_TOKEN": "invalid_grant",
    "BAD_REDIRECT_URI": "invalid_grant",
    "BAD_CLIENT_ID": "invalid_client",
    "BAD_CLIENT_SECRET": "invalid_client",
    "BAD_GRANT_TYPE": "unsupported_grant_type",
    "MISSING_PARAMETER": "invalid_request",
}
# HubSpot retires the v1 OAuth endpoints on this date (developers.hubspot.com, "OAuth v1 migration
# guide"); v1 answers carry it as RFC 8594 Sunset so clients and the request log can see it.
V1_SUNSET = "Tue, 16 Feb 2027 00:00:00 GMT"
LATEST_OAUTH = "/oauth/2026-03"


def oauth_error_response(error: HubSpotError) -> Response:
    correlation = correlation_id()
    body = error.body(correlation)
    if isinstance(error, OAuthError):
        body["error"] = RFC6749_ERRORS.get(error.oauth_status, "invalid_request")
        body["error_description"] = error.message
    headers = {CORRELATION_HEADER: correlation, "Cache-Control": "no-store", **error.headers}
    return JSONResponse(body, status_code=error.status_code, headers=headers)


def deprecated_v1(response: Response) -> Response:
    response.headers["Deprecation"] = "true"
    response.headers["Sunset"] = V1_SUNSET
    response.headers["Link"] = f'<{LATEST_OAUTH}/token>; rel="successor-version"'
    return response


def token_json(token: AccessToken, app: App, v3: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token_type": "bearer",
        "refresh_token": token.refresh_token,
        "access_token": token.token,
        "expires_in": token.seconds_left(),
    }
    if v3:
        body.update({"hub_id": token.portal_id, "user_id": None, "scopes": token.scopes,
                     "token_use": "access_token"})
    return body


def routes(world: HubSpotWorld, config: EmulatorConfig) -> list[BaseRoute]:
    oauth = world.oauth
    directory = world.directory
    sign_in_token = secrets.token_urlsafe(16)  # sign-in form token of this process

    def current_user(request: Request) -> tuple[User | None, str | None]:
        session = directory.session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return None, None
        return directory.user(session.user_email), session.form_token

    def demo_users() -> list[dict[str, str]]:
        """Shown under the sign-in form when the demo world is loaded, so visitors can get in."""
        if config.seed != "demo":
            return []
        return [{"email": u.email, "password": u.password,
                 "role": "Super Admin" if all(m.super_admin for m in u.memberships)
                 else "no app-install rights"} for u in directory.users.values()]

    def sign_in_page(request: Request, error: str = "", email: str = "",
                     status_code: int = 200, reason: str = "") -> Response:
        next_url = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        return render("sign_in.html", status_code, form_token=sign_in_token, next=next_url,
                      error=error, email=email, reason=reason, demo_users=demo_users())

    # -- consent flow -------------------------------------------------------------------------
    async def authorize(request: Request) -> Response:
        query = _authorize_query(request.query_params)
        try:
            app = oauth.check_authorize_request(query["client_id"], query["redirect_uri"])
        except AuthorizePageError as page_error:
            return render("error.html", 400, title=page_error.title, detail=page_error.detail)
        try:
            required, optional = oauth.parse_scopes(query["scope"], query["optional_scope"])
            user, form_token = current_user(request)
            if user is None:
                return sign_in_page(request, reason=f"Log in to connect {app.name}.")
            portals = directory.portals_of(user)
            if not portals:
                raise AuthorizeError("access_denied", "You don't have access to any account.")
            path_portal = request.path_params.get("portalId")
            if path_portal is not None:
                chosen = next((p for p in portals if str(p.id) == str(path_portal)), None)
                if chosen is None:
                    raise AuthorizeError("access_denied", "You don't have access to this account.")
            elif len(portals) == 1:
                chosen = portals[0]
            else:
                qs = urlencode(query)
                return render("choose_portal.html", app=app, user=user,
                              sign_out_next=f"/oauth/authorize?{qs}",
                              portals=[{"id": p.id, "name": p.name, "domain": p.domain,
                                        "url": f"/oauth/{p.id}/authorize?{qs}"}
                                       for p in portals])
        except AuthorizeError as failure:
            return redirect_with(query["redirect_uri"], _with_state(
                {"error": failure.error, "error_description": failure.description},
                query["state"]))
        qs = urlencode(query)
        return render(
            "consent.html", app=app, user=user, portal=chosen, query=query,
            form_token=form_token, sign_out_next=f"/oauth/authorize?{qs}",
            required=[{"name": s, "words": KNOWN_SCOPES[s]} for s in required],
            optional=[{"name": s, "words": KNOWN_SCOPES[s]} for s in optional],
            choose_url=f"/oauth/authorize?{qs}" if len(portals) > 1 else None,
        )

    async def sign_in(request: Request) -> Response:
        form = await request.form()
        next_url = str(form.get("next") or "/")
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"  # never redirect off this server
        if not secrets.compare_digest(str(form.get("form_token") or ""), sign_in_token):
            return render("error.html", 400, title="Session expired",
                          detail="The sign-in form expired. Go back and try again.")
        email = str(form.get("email") or "")
        user = directory.authenticate(email, str(form.get("password") or ""))
        if user is None:
            return render("sign_in.html", 401, form_token=sign_in_token, next=next_url,
                          email=email, error="That email and password combination is incorrect.",
                          reason="", demo_users=demo_users())
        session = directory.start_session(user, config.sign_in_lifetime_s)
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie(SESSION_COOKIE, session.id, max_age=config.sign_in_lifetime_s,
                            httponly=True, samesite="lax", path="/")
        return response

    async def login(request: Request) -> Response:
        next_url = request.query_params.get("next") or "/"
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        return render("sign_in.html", form_token=sign_in_token, next=next_url, error="",
                      email="", reason="Log in to continue.", demo_users=demo_users())

    async def sign_out(request: Request) -> Response:
        directory.end_session(request.cookies.get(SESSION_COOKIE))
        next_url = request.query_params.get("next") or "/"
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        response = RedirectResponse(next_url, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def consent(request: Request) -> Response:
        form = await request.form()
        query = _authorize_query(form)
        try:
            app = oauth.check_authorize_request(query["client_id"], query["redirect_uri"])
        except AuthorizePageError as page_error:
            return render("error.html", 400, title=page_error.title, detail=page_error.detail)
        user, form_token = current_user(request)
        if user is None or form_token is None or not secrets.compare_digest(
                str(form.get("form_token") or ""), form_token):
            return render("error.html", 400, title="Session expired",
                          detail="Your session expired. Start connecting the app again.")
        try:
            if form.get("decision") != "approve":
                raise AuthorizeError("access_denied", "The user denied the authorization request.")
            required, optional = oauth.parse_scopes(query["scope"], query["optional_scope"])
            portal = directory.portals.get(int(str(form.get("portal_id") or "0")))
            if portal is None:
                raise AuthorizeError("access_denied", "You don't have access to this account.")
            code = oauth.issue_code(app, user, portal, query["redirect_uri"], required + optional)
        except AuthorizeError as failure:
            return redirect_with(query["redirect_uri"], _with_state(
                {"error": failure.error, "error_description": failure.description},
                query["state"]))
        return redirect_with(query["redirect_uri"], _with_state({"code": code.code},
                                                                query["state"]))

    # -- token endpoint -----------------------------------------------------------------------
    async def token(request: Request) -> Response:
        path = request.url.path
        latest = not path.startswith("/oauth/v1/")
        if request.query_params.get("client_secret") or request.query_params.get("refresh_token"):
            # 2026-03 and v3 take parameters only in the form body (HubSpot, "OAuth v1 migration guide").
            return oauth_error_response(OAuthError(
                "MISSING_PARAMETER", "Send OAuth parameters in the form body, not in the URL."))
        form = await request.form()
        fields = {k: str(v) for k, v in form.items()}
        try:
            grant_type = fields.get("grant_type", "")
            if grant_type == "authorization_code":
                issued = oauth.exchange_code(fields.get("client_id", ""),
                                             fields.get("client_secret", ""),
                                             fields.get("redirect_uri", ""),
                                             fields.get("code", ""))
            elif grant_type == "refresh_token":
                issued = oauth.refresh(fields.get("client_id", ""),
                                       fields.get("client_secret", ""),
                                       fields.get("refresh_token", ""))
            else:
                raise OAuthError("BAD_GRANT_TYPE", "missing or unsupported grant_type")
        except HubSpotError as error:
            response = oauth_error_response(error)
            return response if latest else deprecated_v1(response)
        app = oauth.apps[issued.client_id or ""]
        body = token_json(issued, app, latest)
        if latest:
            user = directory.user(issued.user_email or "")
            body["user_id"] = user.id if user else None
        response = JSONResponse(body, headers={"Cache-Control": "no-store"})
        return response if latest else deprecated_v1(response)

    def _token_info(token: AccessToken) -> dict[str, Any]:
        app = oauth.apps.get(token.client_id or "")
        portal = directory.portals.get(token.portal_id)
        user = directory.user(token.user_email or "")
        return {
            "token": token.token,
            "user": token.user_email,
            "hub_domain": portal.domain if portal else None,
            "scopes": token.scopes,
            "hub_id": token.portal_id,
            "app_id": app.app_id if app else None,
            "expires_in": max(token.seconds_left(), 0),
            "user_id": user.id if user else None,
            "token_type": "access",
        }

    def _refresh_info(found: RefreshToken) -> dict[str, Any]:
        app = oauth.apps.get(found.client_id)
        portal = directory.portals.get(found.portal_id)
        user = directory.user(found.user_email)
        return {
            "token": found.token,
            "user": found.user_email,
            "hub_domain": portal.domain if portal else None,
            "scopes": found.scopes,
            "hub_id": found.portal_id,
            "client_id": found.client_id,
            "app_id": app.app_id if app else None,
            "user_id": user.id if user else None,
            "token_type": "refresh",
        }

    async def access_token_info(request: Request) -> Response:
        found = oauth.live_access_token(request.path_params["token"])
        if found is None:
            return deprecated_v1(error_response(ObjectNotFound(
                "The access token was not found, expired or was revoked.", context={"token": ["*"]})))
        return deprecated_v1(JSONResponse(_token_info(found)))

    async def refresh_token_info(request: Request) -> Response:
        found = oauth.live_refresh_token(request.path_params["token"])
        if found is None:
            return deprecated_v1(error_response(ObjectNotFound(
                "The refresh token was not found or was revoked.", context={"token": ["*"]})))
        return deprecated_v1(JSONResponse(_refresh_info(found)))

    async def delete_refresh_token(request: Request) -> Response:
        if not oauth.revoke_refresh_token(request.path_params["token"]):
            return deprecated_v1(error_response(ObjectNotFound(
                "The refresh token was not found or was already revoked.", context={"token": ["*"]})))
        return deprecated_v1(Response(status_code=204))

    async def _client_form(request: Request) -> tuple[dict[str, str], App]:
        if request.query_params.get("client_secret") or request.query_params.get("token"):
            raise OAuthError("MISSING_PARAMETER",
                             "Send OAuth parameters in the form body, not in the URL.")
        form = await request.form()
        fields = {k: str(v) for k, v in form.items()}
        app = oauth.apps.get(fields.get("client_id", ""))
        if app is None:
            raise OAuthError("BAD_CLIENT_ID", "missing or unknown client id", 401)
        if not secrets.compare_digest(app.client_secret, fields.get("client_secret", "")):
            raise OAuthError("BAD_CLIENT_SECRET", "missing or invalid client secret", 401)
        if not fields.get("token"):
            raise OAuthError("MISSING_PARAMETER", "token is required")
        return fields, app

    async def introspect(request: Request) -> Response:
        """RFC 7662: any token this client can't use answers 200 `{"active": false}`, never 404."""
        try:
            fields, app = await _client_form(request)
        except HubSpotError as error:
            return oauth_error_response(error)
        value = fields["token"]
        hint = fields.get("token_type_hint", "")
        access = oauth.live_access_token(value) if hint != "refresh_token" else None
        if access is not None and access.client_id == app.client_id:
            body = _token_info(access)
            body.update({"active": True, "client_id": app.client_id, "token_use": "access_token",
                         "is_private_distribution": False})
            return JSONResponse(body, headers={"Cache-Control": "no-store"})
        refresh = oauth.live_refresh_token(value) if hint != "access_token" else None
        if refresh is not None and refresh.client_id == app.client_id:
            body = _refresh_info(refresh)
            body.update({"active": True, "token_use": "refresh_token"})
            return JSONResponse(body, headers={"Cache-Control": "no-store"})
        return JSONResponse({"active": False}, headers={"Cache-Control": "no-store"})

    async def revoke(request: Request) -> Response:
        try:
            fields, app = await _client_form(request)
        except HubSpotError as error:
            return oauth_error_response(error)
        value = fields["token"]
        refresh = oauth.live_refresh_token(value)
        if refresh is not None and refresh.client_id == app.client_id:
            oauth.revoke_refresh_token(value)
        else:
            access = oauth.access_tokens.get(value)
            if access is not None and access.client_id == app.client_id:
                oauth.revoke_access_token(value)
        # RFC 7009 §2.2: revoking an unknown or already revoked token is not an error.
        return Response(status_code=200)

    latest = [
        route
        for prefix in (LATEST_OAUTH, "/oauth/v3")
        for route in (
            Route(f"{prefix}/token", token, methods=["POST"]),
            Route(f"{prefix}/token/introspect", introspect, methods=["POST"]),
            Route(f"{prefix}/token/revoke", revoke, methods=["POST"]),
        )
    ]
    return [
        Route("/oauth/authorize", authorize, methods=["GET"]),
        Route("/oauth/{portalId:int}/authorize", authorize, methods=["GET"]),
        Route("/oauth/sign-in", sign_in, methods=["POST"]),
        Route("/login", login, methods=["GET"]),
        Route("/oauth/sign-out", sign_out, methods=["GET", "POST"]),
        Route("/oauth/consent", consent, methods=["POST"]),
        *latest,
        # Deprecated: HubSpot retires these on 2027-02-16; kept so old clients can be tested.
        Route("/oauth/v1/token", token, methods=["POST"]),
        Route("/oauth/v1/access-tokens/{token}", access_token_info, methods=["GET"]),
        Route("/oauth/v1/refresh-tokens/{token}", refresh_token_info, methods=["GET"]),
        Route("/oauth/v1/refresh-tokens/{token}", delete_refresh_token, methods=["DELETE"]),
    ]
