"""Emulated HubSpot people and accounts (portals, a.k.a. hubs), and browser sign-in sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .clock import utcnow


@dataclass
class Portal:
    id: int
    name: str
    domain: str
    currency: str = "USD"
    time_zone: str = "US/Eastern"


@dataclass
class Membership:
    portal_id: int
    # Only super admins (or users with the App Marketplace permission) may install apps:
    # https://knowledge.hubspot.com/integrations/connect-apps-to-hubspot
    super_admin: bool


@dataclass
class User:
    id: int
    email: str
    password: str
    first_name: str
    last_name: str
    memberships: list[Membership] = field(default_factory=list)

    def membership(self, portal_id: int) -> Membership | None:
        return next((m for m in self.memberships if m.portal_id == portal_id), None)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class SignInSession:
    id: str
    user_email: str
    expires_at: datetime
    form_token: str

    @property
    def valid(self) -> bool:
        return utcnow() < self.expires_at


class Directory:
    """Users, portals and sign-in sessions of the emulated HubSpot."""

    def __init__(self) -> None:
        self.portals: dict[int, Portal] = {}
        self.users: dict[str, User] = {}
        self.sessions: dict[str, SignInSession] = {}
        self._next_user_id = 7100001

    def reset(self) -> None:
        self.portals.clear()
        self.users.clear()
        self.sessions.clear()
        self._next_user_id = 7100001

    def add_portal(self, portal: Portal) -> Portal:
        self.portals[portal.id] = portal
        return portal

    def add_user(self, email: str, password: str, first_name: str, last_name: str,
                 memberships: list[Membership]) -> User:
        user = User(self._next_user_id, email.lower(), password, first_name, last_name, memberships)
        self._next_user_id += 1
        self.users[user.email] = user
        return user

    def user(self, email: str) -> User | None:
        return self.users.get(email.lower())

    def authenticate(self, email: str, password: str) -> User | None:
        user = self.user(email.strip())
        if user is None or not secrets.compare_digest(user.password, password):
            return None
        return user

    def start_session(self, user: User, lifetime_s: int) -> SignInSession:
        session = SignInSession(
            id=secrets.token_urlsafe(24),
            user_email=user.email,
            expires_at=utcnow() + timedelta(seconds=lifetime_s),
            form_token=secrets.token_urlsafe(16),
        )
        self.sessions[session.id] = session
        return session

    def session(self, session_id: str | None) -> SignInSession | None:
        if not session_id:
            return None
        session = self.sessions.get(session_id)
        if session is None or not session.valid:
            return None
        return session

    def end_session(self, session_id: str | None) -> None:
        if session_id:
            self.sessions.pop(session_id, None)

    def portals_of(self, user: User) -> list[Portal]:
        return [self.portals[m.portal_id] for m in user.memberships if m.portal_id in self.portals]
