"""Intuit's OAuth 2.0 server state: app registrations, users, companies, codes, grants and tokens.

Flow and token facts: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import utcnow
from .exceptions import OAuthError

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
# Scopes Intuit accepts next to accounting (payments and the OpenID ones).
KNOWN_SCOPES = frozenset(
    {
        ACCOUNTING_SCOPE,
        "com.intuit.quickbooks.payment",
        "openid",
        "profile",
        "email",
        "phone",
        "address",
    }
)
CODE_LIFETIME = timedelta(minutes=10)
# x_refresh_token_expires_in Intuit reports on a fresh refresh token (~101 days).
REFRESH_TOKEN_LIFETIME_S = 8726400
# Intuit access tokens are JWEs of roughly a kilobyte: storage for them must not be short.
JWE_HEADER = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.."


@dataclass
class App:
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
        }


@dataclass
class User:
    email: str
    password: str
    given_name: str
    family_name: str
    realm_ids: list[str]
    sub: str = field(default_factory=lambda: secrets.token_hex(16))

    def to_json(self) -> dict[str, Any]:
        return {"email": self.email, "password": self.password, "companies": list(self.realm_ids)}


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    realm_id: str
    user_email: str
    redirect_uri: str
    scopes: list[str]
    expires_at: datetime
    used: bool = False


@dataclass
class Grant:
    """One consent: an app connected to one company by one user; revoking it kills its tokens."""

    grant_id: str
    client_id: str
    realm_id: str
    user_email: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class AccessToken:
    token: str
    grant_id: str
    expires_at: datetime


@dataclass
class RefreshToken:
    token: str
    grant_id: str
    issued_at: datetime
    expires_at: datetime
    superseded: bool = False


@dataclass
class TokenSet:
    access_token: AccessToken
    refresh_token: RefreshToken
    grant: Grant

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "token_type": "bearer",
            "access_token": self.access_token.token,
            "expires_in": max(0, round((self.access_token.expires_at - now).total_seconds())),
            "refresh_token": self.refresh_token.token,
            "x_refresh_token_expires_in": max(
                0, round((self.refresh_token.expires_at - now).total_seconds())
            ),
        }


def parse_scopes(scope: str) -> list[str]:
    return [item for item in scope.replace("+", " ").split(" ") if item]


class OAuthBackend:
    """Apps, users, codes, grants and tokens; plain operations named after Intuit's endpoints."""

    def __init__(self, access_token_lifetime_s: int, refresh_rotation_s: int) -> None:
        self.access_token_lifetime = timedelta(seconds=access_token_lifetime_s)
        self.refresh_rotation = timedelta(seconds=refresh_rotation_s)
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.sessions: dict[str, str] = {}

    def reset(self) -> None:
        self.apps.clear()
        self.users.clear()
        self.codes.clear()
        self.grants.clear()
        self.access_tokens.clear()
        self.refresh_tokens.clear()
        self.sessions.clear()

    # -- registrations ---------------------------------------------------------------------
    def upsert_app(
        self,
        redirect_uris: list[str],
        client_id: str | None = None,
        client_secret: str | None = None,
        name: str | None = None,
    ) -> App:
        existing = self.apps.get(client_id) if client_id else None
        if existing is not None:
            existing.redirect_uris = list(redirect_uris)
            if client_secret:
                existing.client_secret = client_secret
            if name:
                existing.name = name
            return existing
        app = App(
            client_id=client_id or "AB" + secrets.token_hex(20),
            client_secret=client_secret or secrets.token_hex(20),
            name=name or "Test app",
            redirect_uris=list(redirect_uris),
        )
        self.apps[app.client_id] = app
        return app

    def add_user(self, user: User) -> User:
        self.users[user.email.lower()] = user
        return user

    # -- sign-in sessions (the Intuit sign-in page) ----------------------------------------
    def sign_in(self, email: str, password: str) -> str | None:
        user = self.users.get(email.strip().lower())
        if user is None or not secrets.compare_digest(user.password, password):
            return None
        session_id = secrets.token_urlsafe(24)
        self.sessions[session_id] = user.email.lower()
        return session_id

    def user_for_session(self, session_id: str | None) -> User | None:
        if not session_id:
            return None
        email = self.sessions.get(session_id)
        return self.users.get(email) if email else None

    def sign_out(self, session_id: str | None) -> None:
        if session_id:
            self.sessions.pop(session_id, None)

    # -- authorization ---------------------------------------------------------------------
    def authenticate_client(self, client_id: str, client_secret: str) -> App:
        app = self.apps.get(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, client_secret):
            raise OAuthError("invalid_client", 401)
        return app

    def issue_code(
        self, client_id: str, realm_id: str, user: User, redirect_uri: str, scopes: list[str]
    ) -> AuthorizationCode:
        code = AuthorizationCode(
            code="AB11" + secrets.token_urlsafe(32),
            client_id=client_id,
            realm_id=realm_id,
            user_email=user.email,
            redirect_uri=redirect_uri,
            scopes=scopes,
            expires_at=utcnow() + CODE_LIFETIME,
        )
        self.codes[code.code] = code
        return code

    def exchange_code(self, app: App, code_value: str, redirect_uri: str) -> TokenSet:
        code = self.codes.get(code_value)
        now = utcnow()
        if code is None or code.used or code.expires_at <= now or code.client_id != app.client_id:
            raise OAuthError("invalid_grant")
        if code.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant")
        code.used = True  # codes are single-use
        return self.open_grant(app.client_id, code.realm_id, code.user_email, code.scopes)

    def open_grant(self, client_id: str, realm_id: str, user_email: str, scopes: list[str]) -> TokenSet:
        now = utcnow()
        grant = Grant(
            grant_id=secrets.token_hex(8),
            client_id=client_id,
            realm_id=realm_id,
            user_email=user_email,
            scopes=scopes,
            created_at=now,
        )
        self.grants[grant.grant_id] = grant
        return TokenSet(self._new_access_token(grant), self._new_refresh_token(grant), grant)

    def refresh(self, app: App, token_value: str) -> TokenSet:
        now = utcnow()
        token = self.refresh_tokens.get(token_value)
        if token is None or token.superseded or token.expires_at <= now:
            raise OAuthError("invalid_grant")
        grant = self.grants[token.grant_id]
        if not grant.active or grant.client_id != app.client_id:
            raise OAuthError("invalid_grant")
        # Intuit rotates the refresh token about every 24 h; until then the same one comes back.
        if now - token.issued_at >= self.refresh_rotation:
            token.superseded = True
            token = self._new_refresh_token(grant)
        return TokenSet(self._new_access_token(grant), token, grant)

    def revoke(self, app: App, token_value: str) -> bool:
        """Revoke the grant behind an access or refresh token; False when the token is unknown."""
        grant_id = None
        if token_value in self.refresh_tokens:
            grant_id = self.refresh_tokens[token_value].grant_id
        elif token_value in self.access_tokens:
            grant_id = self.access_tokens[token_value].grant_id
        if grant_id is None:
            return False
        grant = self.grants[grant_id]
        if grant.client_id != app.client_id:
            return False
        self._revoke_grant(grant)
        return True

    def disconnect(self, realm_id: str, client_id: str | None = None) -> int:
        """The company's "Disconnect app": every grant of that app (or of all apps) for the realm."""
        count = 0
        for grant in self.grants.values():
            if grant.realm_id != realm_id or not grant.active:
                continue
            if client_id is not None and grant.client_id != client_id:
                continue
            self._revoke_grant(grant)
            count += 1
        return count

    def expire_access_tokens(self, realm_id: str | None = None) -> int:
        now = utcnow()
        count = 0
        for token in self.access_tokens.values():
            if realm_id is not None and self.grants[token.grant_id].realm_id != realm_id:
                continue
            if token.expires_at > now:
                token.expires_at = now - timedelta(seconds=1)
                count += 1
        return count

    def age_refresh_tokens(self, seconds: float, realm_id: str | None = None) -> int:
        """Make refresh tokens look older (to reach rotation without waiting a day)."""
        count = 0
        for token in self.refresh_tokens.values():
            if realm_id is not None and self.grants[token.grant_id].realm_id != realm_id:
                continue
            token.issued_at -= timedelta(seconds=seconds)
            count += 1
        return count

    def grant_for_access_token(self, token_value: str) -> Grant | None:
        """The live grant behind a bearer token, or None when unknown, expired or revoked."""
        token = self.access_tokens.get(token_value)
        if token is None or token.expires_at <= utcnow():
            return None
        grant = self.grants[token.grant_id]
        return grant if grant.active else None

    def connected_apps(self, realm_id: str) -> list[App]:
        client_ids = {
            grant.client_id for grant in self.grants.values() if grant.realm_id == realm_id and grant.active
        }
        return [self.apps[client_id] for client_id in sorted(client_ids) if client_id in self.apps]

    def connections(self) -> list[dict[str, Any]]:
        return [
            {
                "client_id": grant.client_id,
                "realm_id": grant.realm_id,
                "user": grant.user_email,
                "scopes": grant.scopes,
                "created_at": grant.created_at.isoformat(),
                "active": grant.active,
            }
            for grant in self.grants.values()
        ]

    def _revoke_grant(self, grant: Grant) -> None:
        grant.revoked_at = utcnow()

    def _new_access_token(self, grant: Grant) -> AccessToken:
        token = AccessToken(
            token=JWE_HEADER + secrets.token_urlsafe(720),
            grant_id=grant.grant_id,
            expires_at=utcnow() + self.access_token_lifetime,
        )
        self.access_tokens[token.token] = token
        return token

    def _new_refresh_token(self, grant: Grant) -> RefreshToken:
        now = utcnow()
        token = RefreshToken(
            token=f"AB11{int(now.timestamp())}" + secrets.token_hex(18),
            grant_id=grant.grant_id,
            issued_at=now,
            expires_at=now + timedelta(seconds=REFRESH_TOKEN_LIFETIME_S),
        )
        self.refresh_tokens[token.token] = token
        return token
