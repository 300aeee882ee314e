"""Apps, authorization codes, access and refresh tokens, installs: HubSpot's OAuth server state.

Facts from https://developers.hubspot.com/docs/api/oauth/tokens and API_NOTES.md: codes are
single-use and short-lived; a refresh keeps the same refresh token and mints a new access token;
uninstalling an app revokes all its tokens in that portal.
"""

from __future__ import annotations

import math
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .accounts import Directory, Portal, User
from .catalog import ALL_SCOPES, KNOWN_SCOPES
from .clock import iso, opaque_token, utcnow
from .exceptions import (
    AuthorizeError,
    AuthorizePageError,
    ExpiredAuthentication,
    InvalidAuthentication,
    OAuthError,
)


@dataclass
class App:
    client_id: str
    client_secret: str
    app_id: int
    name: str
    redirect_uris: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "app_id": self.app_id,
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
        }


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    portal_id: int
    user_email: str
    scopes: list[str]
    expires_at: datetime


@dataclass
class RefreshToken:
    token: str
    client_id: str
    portal_id: int
    user_email: str
    scopes: list[str]
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    portal_id: int
    scopes: list[str]
    expires_at: datetime | None  # None: a private app token, which never expires
    client_id: str | None = None  # None: a private app token
    user_email: str | None = None
    refresh_token: str | None = None
    revoked: bool = False

    @property
    def is_private_app(self) -> bool:
        return self.client_id is None

    def seconds_left(self) -> int:
        if self.expires_at is None:
            return 0
        return math.ceil((self.expires_at - utcnow()).total_seconds())

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and utcnow() >= self.expires_at


@dataclass
class Install:
    portal_id: int
    client_id: str
    installed_by: str
    installed_at: datetime
    scopes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "portal_id": self.portal_id,
            "client_id": self.client_id,
            "installed_by": self.installed_by,
            "installed_at": iso(self.installed_at),
            "scopes": list(self.scopes),
        }


@dataclass
class Grant:
    """Who is calling the API: the result of checking a bearer token."""

    portal_id: int
    scopes: frozenset[str]
    app_id: int | None
    client_id: str | None
    token: str

    @property
    def is_private_app(self) -> bool:
        return self.client_id is None


class OAuthServer:
    def __init__(self, directory: Directory, access_token_lifetime_s: int,
                 auth_code_lifetime_s: int) -> None:
        self.directory = directory
        self.access_token_lifetime_s = access_token_lifetime_s
        self.auth_code_lifetime_s = auth_code_lifetime_s
        self.apps: dict[str, App] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.installs: dict[tuple[int, str], Install] = {}
        self._next_app_id = 4242001

    # -- apps ---------------------------------------------------------------------------------
    def register_app(self, *, redirect_uris: list[str], client_id: str | None = None,
                     client_secret: str | None = None, name: str | None = None,
                     app_id: int | None = None) -> App:
        existing = self.apps.get(client_id) if client_id else None
        if existing is not None:
            existing.redirect_uris = list(redirect_uris) or existing.redirect_uris
            if client_secret:
                existing.client_secret = client_secret
            if name:
                existing.name = name
            return existing
        if app_id is None:
            while self._next_app_id in {a.app_id for a in self.apps.values()}:
                self._next_app_id += 1
            app_id = self._next_app_id
        app = App(
            client_id=client_id or str(uuid.uuid4()),
            client_secret=client_secret or str(uuid.uuid4()),
            app_id=app_id,
            name=name or f"App {app_id}",
            redirect_uris=list(redirect_uris),
        )
        self.apps[app.client_id] = app
        return app

    def app(self, client_id: str) -> App | None:
        return self.apps.get(client_id)

    def app_by_id(self, app_id: int) -> App | None:
        return next((a for a in self.apps.values() if a.app_id == app_id), None)

    # -- authorize ----------------------------------------------------------------------------
    def check_authorize_request(self, client_id: str, redirect_uri: str) -> App:
        """Checks that must pass before anything can be redirected back (else an error page)."""
        app = self.apps.get(client_id)
        if app is None:
            raise AuthorizePageError(
                "Authorization failed", f"The client_id '{client_id}' does not belong to any app."
            )
        if redirect_uri not in app.redirect_uris:
            raise AuthorizePageError(
                "Authorization failed",
                "The redirect_uri does not match any redirect URL registered for this app.",
            )
        return app

    @staticmethod
    def parse_scopes(scope: str, optional_scope: str) -> tuple[list[str], list[str]]:
        """Required scopes must all exist (else `invalid_scope`); unknown optional ones are dropped."""
        required = [s for s in scope.replace("+", " ").split() if s]
        if not required:
            raise AuthorizeError("invalid_scope", "The scope parameter is required.")
        unknown = [s for s in required if s not in KNOWN_SCOPES]
        if unknown:
            raise AuthorizeError("invalid_scope", f"Invalid scope(s): {', '.join(unknown)}")
        optional = [s for s in optional_scope.replace("+", " ").split()
                    if s in KNOWN_SCOPES and s not in required]
        return required, optional

    def issue_code(self, app: App, user: User, portal: Portal, redirect_uri: str,
                   scopes: list[str]) -> AuthCode:
        membership = user.membership(portal.id)
        if membership is None:
            raise AuthorizeError("access_denied", "You don't have access to this account.")
        if not membership.super_admin:
            raise AuthorizeError(
                "access_denied",
                "You don't have permission to install apps in this account. "
                "Ask a Super Admin to install it.",
            )
        code = AuthCode(
            code=str(uuid.uuid4()),
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            portal_id=portal.id,
            user_email=user.email,
            scopes=list(scopes),
            expires_at=utcnow() + timedelta(seconds=self.auth_code_lifetime_s),
        )
        self.codes[code.code] = code
        return code

    # -- token endpoint -----------------------------------------------------------------------
    def _client(self, client_id: str, client_secret: str) -> App:
        app = self.apps.get(client_id)
        if app is None:
            raise OAuthError("BAD_CLIENT_ID", "missing or unknown client id")
        if not secrets.compare_digest(app.client_secret, client_secret):
            raise OAuthError("BAD_CLIENT_SECRET", "missing or invalid client secret")
        return app

    def exchange_code(self, client_id: str, client_secret: str, redirect_uri: str,
                      code: str) -> AccessToken:
        app = self._client(client_id, client_secret)
        grant = self.codes.pop(code, None)  # single use: gone whatever happens next
        if grant is None or grant.client_id != app.client_id or utcnow() >= grant.expires_at:
            raise OAuthError("BAD_AUTH_CODE", "missing or unknown auth code")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("BAD_REDIRECT_URI",
                             "redirect_uri does not match the one used to obtain the auth code")
        refresh = RefreshToken(
            token=str(uuid.uuid4()),
            client_id=app.client_id,
            portal_id=grant.portal_id,
            user_email=grant.user_email,
            scopes=grant.scopes,
        )
        self.refresh_tokens[refresh.token] = refresh
        key = (grant.portal_id, app.client_id)
        install = self.installs.get(key)
        if install is None:
            self.installs[key] = Install(grant.portal_id, app.client_id, grant.user_email,
                                         utcnow(), list(grant.scopes))
        else:
            install.scopes = sorted(set(install.scopes) | set(grant.scopes))
        return self._mint_access_token(refresh)

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> AccessToken:
        app = self._client(client_id, client_secret)
        refresh = self.refresh_tokens.get(refresh_token)
        if refresh is None or refresh.revoked or refresh.client_id != app.client_id:
            raise OAuthError("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
        return self._mint_access_token(refresh)

    def _mint_access_token(self, refresh: RefreshToken) -> AccessToken:
        token = AccessToken(
            token=opaque_token("CO"),
            portal_id=refresh.portal_id,
            scopes=list(refresh.scopes),
            expires_at=utcnow() + timedelta(seconds=self.access_token_lifetime_s),
            client_id=refresh.client_id,
            user_email=refresh.user_email,
            refresh_token=refresh.token,
        )
        self.access_tokens[token.token] = token
        return token

    def private_app_token(self, portal_id: int) -> AccessToken:
        token = AccessToken(
            token=opaque_token("pat-na1-", 36),
            portal_id=portal_id,
            scopes=list(ALL_SCOPES),
            expires_at=None,
        )
        self.access_tokens[token.token] = token
        return token

    # -- token information and revocation -----------------------------------------------------
    def live_access_token(self, token: str) -> AccessToken | None:
        found = self.access_tokens.get(token)
        if found is None or found.revoked or found.expired:
            return None
        return found

    def live_refresh_token(self, token: str) -> RefreshToken | None:
        found = self.refresh_tokens.get(token)
        return None if found is None or found.revoked else found

    def revoke_refresh_token(self, token: str) -> bool:
        found = self.live_refresh_token(token)
        if found is None:
            return False
        found.revoked = True
        for access in self.access_tokens.values():
            if access.refresh_token == token:
                access.revoked = True
        return True

    def revoke_access_token(self, token: str) -> bool:
        found = self.access_tokens.get(token)
        if found is None or found.revoked:
            return False
        found.revoked = True
        return True

    def uninstall(self, portal_id: int, client_id: str | None = None) -> list[str]:
        """Revokes every token of the app (or of every app) in the portal; returns the client ids."""
        removed = [key for key in self.installs
                   if key[0] == portal_id and (client_id is None or key[1] == client_id)]
        for key in removed:
            del self.installs[key]
        cids = {key[1] for key in removed} | ({client_id} if client_id else set())
        for refresh in self.refresh_tokens.values():
            if refresh.portal_id == portal_id and (client_id is None or refresh.client_id in cids):
                refresh.revoked = True
        for access in self.access_tokens.values():
            if (access.portal_id == portal_id and access.client_id is not None
                    and (client_id is None or access.client_id in cids)):
                access.revoked = True
        return sorted(cids)

    def expire_access_tokens(self) -> int:
        now = utcnow()
        count = 0
        for access in self.access_tokens.values():
            if access.expires_at is not None and access.expires_at > now:
                access.expires_at = now - timedelta(seconds=1)
                count += 1
        return count

    def installs_of(self, portal_id: int) -> list[Install]:
        return [i for (pid, _), i in sorted(self.installs.items()) if pid == portal_id]

    # -- API authentication -------------------------------------------------------------------
    def authenticate(self, bearer: str | None) -> Grant:
        if not bearer:
            raise InvalidAuthentication(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication "
                "and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
            )
        token = self.access_tokens.get(bearer)
        if token is None or token.revoked:
            raise InvalidAuthentication(
                "The OAuth token used to make this call is not valid or has been revoked."
            )
        if token.expired:
            raise ExpiredAuthentication(-token.seconds_left())
        app = self.apps.get(token.client_id) if token.client_id else None
        return Grant(
            portal_id=token.portal_id,
            scopes=frozenset(token.scopes),
            app_id=app.app_id if app else None,
            client_id=token.client_id,
            token=token.token,
        )

    def reset(self) -> None:
        self.apps.clear()
        self.codes.clear()
        self.refresh_tokens.clear()
        self.access_tokens.clear()
        self.installs.clear()
        self._next_app_id = 4242001
