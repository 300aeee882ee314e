"""Intuit's OAuth 2.0 endpoints and pages: discovery, /connect/oauth2, token, revoke, userinfo,
and the per-company "Connected apps" page. Routes parse, call the backend and render.

https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .clock import utcnow
from .exceptions import AuthorizeError, OAuthError, render_oauth_error
from .oauth_models import ACCOUNTING_SCOPE, KNOWN_SCOPES, App, User, parse_scopes
from .runtime import Runtime

SESSION_COOKIE = "qbo_emulator_session"
AUTHORIZE_PARAMS = ("client_id", "response_type", "scope", "redirect_uri", "state")
NO_COMPANY_ACCESS = AuthorizeError("Company not available", "You don't have access to that company.")


def base_url(request: Request) -> str:
    """One server plays every Intuit host, so URLs derive from the host the client used."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def discovery_document(base: str) -> dict[str, Any]:
    # Keys of https://developer.intuit.com/.well-known/openid_configuration/
    return {
        "issuer": f"{base}/op/v1",
        "authorization_endpoint": f"{base}/connect/oauth2",
        "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def _with_query(url: str, params: dict[str, str]) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"


class OAuthRoutes:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.oauth = runtime.world.oauth

    # -- discovery ---------------------------------------------------------------------------
    async def discovery(self, request: Request) -> Response:
        return JSONResponse(discovery_document(base_url(request)))

    async def jwks(self, request: Request) -> Response:
        # The emulator issues no id_token, so there is no signing key to publish.
        return JSONResponse({"keys": []})

    # -- the authorize pages -------------------------------------------------------------------
    def _authorize_params(self, source: Any) -> dict[str, str]:
        return {name: str(source.get(name) or "") for name in AUTHORIZE_PARAMS}

    def _checked_app(self, params: dict[str, str]) -> App:
        app = self.oauth.apps.get(params["client_id"])
        if app is None:
            raise AuthorizeError(
                "We can't connect this app",
                "The client_id is not a registered app (invalid_client).",
            )
        if params["redirect_uri"] not in app.redirect_uris:
            raise AuthorizeError(
                "We can't connect this app",
                f"The redirect_uri {params['redirect_uri']!r} is not registered for "
                f"{app.name} (redirect_uri_mismatch).",
            )
        return app

    def _error_redirect(self, params: dict[str, str], error: str) -> Response:
        query = {"error": error, "state": params["state"]}
        return RedirectResponse(_with_query(params["redirect_uri"], query), 302)

    def _page(self, request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
        return self.runtime.templates.TemplateResponse(request, template, context, status_code=status)

    def _error_page(self, request: Request, exc: AuthorizeError) -> Response:
        return self._page(request, "error.html", {"title": exc.title, "detail": exc.detail}, 400)

    def _current_user(self, request: Request) -> User | None:
        return self.oauth.user_for_session(request.cookies.get(SESSION_COOKIE))

    async def authorize(self, request: Request) -> Response:
        params = self._authorize_params(request.query_params)
        try:
            app = self._checked_app(params)
        except AuthorizeError as exc:
            return self._error_page(request, exc)
        if params["response_type"] != "code":
            return self._error_redirect(params, "unsupported_response_type")
        scopes = parse_scopes(params["scope"])
        if ACCOUNTING_SCOPE not in scopes or any(s not in KNOWN_SCOPES for s in scopes):
            return self._error_redirect(params, "invalid_scope")
        user = self._current_user(request)
        context: dict[str, Any] = {"params": params, "app": app}
        if user is None:
            return self._page(request, "signin.html", {**context, "error": None, "email": ""})
        realm_id = request.query_params.get("realmId") or ""
        companies = [
            self.runtime.world.companies[r] for r in user.realm_ids if r in self.runtime.world.companies
        ]
        if not realm_id and len(companies) == 1:
            realm_id = companies[0].realm_id
        if not realm_id:
            return self._page(
                request, "choose_company.html", {**context, "user": user, "companies": companies}
            )
        if realm_id not in user.realm_ids or realm_id not in self.runtime.world.companies:
            return self._error_page(request, NO_COMPANY_ACCESS)
        company = self.runtime.world.companies[realm_id]
        return self._page(
            request,
            "consent.html",
            {**context, "user": user, "company": company, "scopes": scopes, "several": len(companies) > 1},
        )

    async def sign_in(self, request: Request) -> Response:
        form = await request.form()
        params = self._authorize_params(form)
        try:
            app = self._checked_app(params)
        except AuthorizeError as exc:
            return self._error_page(request, exc)
        email = str(form.get("email") or "")
        session_id = self.oauth.sign_in(email, str(form.get("password") or ""))
        if session_id is None:
            context = {
                "params": params,
                "app": app,
                "email": email,
                "error": "The email or password you entered is incorrect.",
            }
            return self._page(request, "signin.html", context, 401)
        response = RedirectResponse(_with_query("/connect/oauth2", params), 303)
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax")
        return response

    async def decide(self, request: Request) -> Response:
        form = await request.form()
        params = self._authorize_params(form)
        try:
            app = self._checked_app(params)
        except AuthorizeError as exc:
            return self._error_page(request, exc)
        user = self._current_user(request)
        if user is None:
            return RedirectResponse(_with_query("/connect/oauth2", params), 303)
        if form.get("decision") != "connect":
            return self._error_redirect(params, "access_denied")
        realm_id = str(form.get("realmId") or "")
        if realm_id not in user.realm_ids or realm_id not in self.runtime.world.companies:
            return self._error_page(request, NO_COMPANY_ACCESS)
        code = self.oauth.issue_code(
            app.client_id, realm_id, user, params["redirect_uri"], parse_scopes(params["scope"])
        )
        target = _with_query(
            params["redirect_uri"], {"code": code.code, "state": params["state"], "realmId": realm_id}
        )
        return RedirectResponse(target, 302)

    async def sign_out(self, request: Request) -> Response:
        self.oauth.sign_out(request.cookies.get(SESSION_COOKIE))
        next_url = request.query_params.get("next") or "/"
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"  # only local redirects
        response = RedirectResponse(next_url, 303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # -- token, revoke, userinfo ----------------------------------------------------------------
    def _client(self, request: Request, form: Mapping[str, Any] | None = None) -> App:
        """HTTP Basic or, as the discovery document announces, client_id/client_secret in the form.

        Intuit's discovery lists both `client_secret_basic` and `client_secret_post`
        (developer.intuit.com, "OpenID Connect discovery document"); RFC 6749 §2.3.1 forbids
        using both in one request, so a request that does is `invalid_request`.
        """
        header = request.headers.get("authorization", "")
        posted_id = str((form or {}).get("client_id") or "")
        posted_secret = str((form or {}).get("client_secret") or "")
        if header:
            if posted_secret:
                raise OAuthError("invalid_request")
            scheme, _, encoded = header.partition(" ")
            if scheme.lower() != "basic" or not encoded:
                raise OAuthError("invalid_client", 401)
            try:
                client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise OAuthError("invalid_client", 401) from exc
            return self.oauth.authenticate_client(client_id, secret)
        if not posted_id or not posted_secret:
            raise OAuthError("invalid_client", 401)
        return self.oauth.authenticate_client(posted_id, posted_secret)

    async def token(self, request: Request) -> Response:
        try:
            form = await request.form()
            app = self._client(request, form)
            grant_type = str(form.get("grant_type") or "")
            if grant_type == "authorization_code":
                tokens = self.oauth.exchange_code(
                    app, str(form.get("code") or ""), str(form.get("redirect_uri") or "")
                )
            elif grant_type == "refresh_token":
                tokens = self.oauth.refresh(app, str(form.get("refresh_token") or ""))
            elif not grant_type:
                raise OAuthError("invalid_request")
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return render_oauth_error(exc)
        return JSONResponse(tokens.to_json(utcnow()), headers={"Cache-Control": "no-store"})

    async def revoke(self, request: Request) -> Response:
        try:
            app = self._client(request)
            raw = await request.body()
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = dict(await request.form())
            token = str(body.get("token") or "") if isinstance(body, dict) else ""
            if not token:
                raise OAuthError("invalid_request")
        except OAuthError as exc:
            return render_oauth_error(exc)
        # RFC 7009: an unknown token is answered like a revoked one.
        self.oauth.revoke(app, token)
        return Response(status_code=200)

    async def userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        grant = self.oauth.grant_for_access_token(header.removeprefix("Bearer ").strip())
        if grant is None:
            return JSONResponse({"error": "invalid_token"}, 401)
        if "openid" not in grant.scopes:
            return JSONResponse({"error": "insufficient_scope"}, 403)
        user = self.oauth.users.get(grant.user_email.lower())
        if user is None:
            return JSONResponse({"error": "invalid_token"}, 401)
        return JSONResponse(
            {
                "sub": user.sub,
                "email": user.email,
                "emailVerified": True,
                "givenName": user.given_name,
                "familyName": user.family_name,
            }
        )

    # -- the company's "Connected apps" page --------------------------------------------------
    async def connected_apps(self, request: Request) -> Response:
        realm_id = request.path_params["realm_id"]
        user = self._current_user(request)
        if user is None:
            return self._page(request, "signin_plain.html", {"next": request.url.path, "error": None})
        if realm_id not in user.realm_ids or realm_id not in self.runtime.world.companies:
            return self._error_page(request, NO_COMPANY_ACCESS)
        company = self.runtime.world.companies[realm_id]
        apps = self.oauth.connected_apps(realm_id)
        notice = request.query_params.get("notice")
        return self._page(
            request, "connected_apps.html", {"company": company, "apps": apps, "user": user, "notice": notice}
        )

    async def plain_sign_in(self, request: Request) -> Response:
        form = await request.form()
        next_url = str(form.get("next") or "/")
        if not next_url.startswith("/"):
            next_url = "/"
        session_id = self.oauth.sign_in(str(form.get("email") or ""), str(form.get("password") or ""))
        if session_id is None:
            context = {"next": next_url, "error": "The email or password you entered is incorrect."}
            return self._page(request, "signin_plain.html", context, 401)
        response = RedirectResponse(next_url, 303)
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax")
        return response

    async def disconnect_app(self, request: Request) -> Response:
        realm_id = request.path_params["realm_id"]
        client_id = request.path_params["client_id"]
        user = self._current_user(request)
        if user is None or realm_id not in user.realm_ids:
            return self._error_page(
                request, AuthorizeError("Sign in first", "Sign in to manage this company's apps.")
            )
        app = self.oauth.apps.get(client_id)
        self.oauth.disconnect(realm_id, client_id)
        name = app.name if app else client_id
        return RedirectResponse(
            _with_query(f"/app/{realm_id}/connected-apps", {"notice": f"{name} was disconnected."}), 303
        )

    def routes(self) -> list[BaseRoute]:
        discovery_paths = [
            "/.well-known/openid_configuration",
            "/.well-known/openid_configuration/",
            "/.well-known/openid_sandbox_configuration",
            "/.well-known/openid_sandbox_configuration/",
        ]
        return [
            *[Route(path, self.discovery, methods=["GET"]) for path in discovery_paths],
            Route("/op/v1/jwks", self.jwks, methods=["GET"]),
            Route("/connect/oauth2", self.authorize, methods=["GET"]),
            Route("/connect/oauth2/signin", self.sign_in, methods=["POST"]),
            Route("/connect/oauth2/decision", self.decide, methods=["POST"]),
            Route("/signout", self.sign_out, methods=["GET", "POST"]),
            Route("/oauth2/v1/tokens/bearer", self.token, methods=["POST"]),
            Route("/v2/oauth2/tokens/revoke", self.revoke, methods=["POST"]),
            Route("/v1/openid_connect/userinfo", self.userinfo, methods=["GET"]),
            Route("/app/signin", self.plain_sign_in, methods=["POST"]),
            Route("/app/{realm_id}/connected-apps", self.connected_apps, methods=["GET"]),
            Route(
                "/app/{realm_id}/connected-apps/{client_id}/disconnect", self.disconnect_app, methods=["POST"]
            ),
        ]
