"""A workspace's connection to one provider, its timeline of events, and pending OAuth states."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Status(models.TextChoices):
    NOT_CONNECTED = "not_connected", "Not connected"
    CONNECTED = "connected", "Connected"
    DISCONNECTED = "disconnected", "Disconnected"


class Cause(models.TextChoices):
    """Why a connection is Disconnected; each has its own explanation on screen."""

    NONE = "", "—"
    BY_USER = "by_user", "Disconnected by a person"
    REVOKED = "revoked", "Access was revoked or the authorization expired"
    NETWORK = "network", "Network problems during token refresh"
    # The provider may have rotated the refresh token in an answer the network lost; only QuickBooks
    # rotates (Intuit, "Refresh tokens"), so only QuickBooks connections get this cause.
    ROTATION_LOST = "rotation_lost", "The provider may have rotated the token while the network failed"
    CLIENT_REJECTED = "client_rejected", "The app's client credentials are rejected"
    PROVIDER_REFUSING = "provider_refusing", "The provider keeps refusing to refresh"
    UNREADABLE = "unreadable", "The stored authorization can't be read (encryption key missing)"


# Causes after which the stored grant may still be good: refreshing goes on in the background and a
# success makes the connection Connected again without anyone reconnecting.
RECOVERABLE_CAUSES = (Cause.NETWORK, Cause.CLIENT_REJECTED, Cause.PROVIDER_REFUSING)


class Trouble(models.TextChoices):
    """What the current run of failed refreshes is about (the amber note says which)."""

    NONE = "", "—"
    NETWORK = "network", "Network trouble"
    CLIENT_REJECTED = "client_rejected", "Client credentials rejected"
    PROVIDER_REFUSING = "provider_refusing", "The provider refuses the refresh"


class Connection(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.NONE, blank=True)
    cause_detail = models.TextField(blank=True)

    account_id = models.CharField(max_length=64, blank=True)
    account_name = models.CharField(max_length=255, blank=True)
    environment = models.CharField(max_length=20, blank=True)
    provider_user = models.CharField(max_length=255, blank=True)
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)

    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)

    last_refresh_at = models.DateTimeField(null=True, blank=True)
    refresh_failures = models.PositiveIntegerField(default=0)
    refresh_failing_since = models.DateTimeField(null=True, blank=True)
    next_refresh_attempt_at = models.DateTimeField(null=True, blank=True)
    last_refresh_error = models.TextField(blank=True)
    trouble = models.CharField(max_length=20, choices=Trouble.choices, default=Trouble.NONE, blank=True)
    # Set when a refresh request may have reached the provider but its answer was lost (read
    # timeout): a rotating provider may now hold a refresh token we never saw.
    refresh_outcome_unknown_at = models.DateTimeField(null=True, blank=True)
    # Without Redis, a lease row stands in for the lock: one refresh at a time, and no database
    # transaction held open while the provider is called.
    refresh_lease_owner = models.CharField(max_length=64, blank=True)
    refresh_lease_until = models.DateTimeField(null=True, blank=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    # Last time a quiet background check (or a test) proved the token works.
    last_checked_at = models.DateTimeField(null=True, blank=True)

    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The account of the last successful connection, kept through a disconnect so that
    # connecting a different portal or company can be recognised and warned about.
    last_account_id = models.CharField(max_length=64, blank=True)
    last_account_name = models.CharField(max_length=255, blank=True)
    switched_at = models.DateTimeField(null=True, blank=True)
    needs_review = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "provider"], name="one_connection_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.provider} for {self.workspace_id} ({self.status})"

    @property
    def is_connected(self) -> bool:
        return self.status == Status.CONNECTED

    @property
    def having_trouble(self) -> bool:
        """Connected, but the last refresh attempts could not reach the provider."""
        return self.is_connected and self.refresh_failing_since is not None

    @property
    def needs_attention(self) -> bool:
        return self.status == Status.DISCONNECTED and self.cause != Cause.BY_USER or self.having_trouble

    def clear_refresh_trouble(self) -> None:
        self.refresh_failures = 0
        self.refresh_failing_since = None
        self.next_refresh_attempt_at = None
        self.last_refresh_error = ""
        self.trouble = Trouble.NONE
        self.refresh_outcome_unknown_at = None

    @property
    def keeps_refreshing(self) -> bool:
        """Connected, or disconnected for a reason the next successful refresh would cure."""
        return self.status == Status.CONNECTED or (
            self.status == Status.DISCONNECTED and self.cause in RECOVERABLE_CAUSES
        )

    def access_token_valid_for(self, now: datetime | None = None) -> timedelta:
        if self.access_expires_at is None:
            return timedelta(0)
        return self.access_expires_at - (now or timezone.now())


class EventKind(models.TextChoices):
    CONNECTED = "connected", "Connected"
    RECONNECTED = "reconnected", "Reconnected"
    SWITCHED = "switched", "Switched account"
    REFRESHED = "refreshed", "Token refreshed"
    REFRESH_FAILED = "refresh_failed", "Token refresh failed"
    RECOVERED = "recovered", "Connection recovered"
    TESTED = "tested", "Connection tested"
    TEST_FAILED = "test_failed", "Connection test failed"
    DISCONNECTED = "disconnected", "Disconnected"
    AUTHORIZATION_FAILED = "authorization_failed", "Authorization failed"


class ConnectionEvent(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    message = models.TextField()
    cause = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class OAuthState(models.Model):
    """One pending authorization: bound to the browser session and workspace, used once, 10 minutes."""

    LIFETIME = timedelta(minutes=10)

    state = models.CharField(max_length=128, unique=True)
    provider = models.CharField(max_length=20)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_binding = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} state for {self.workspace_id}"

    def expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) - self.created_at > self.LIFETIME


def record_event(
    connection: Connection,
    kind: str,
    message: str,
    *,
    cause: str = "",
    actor: Any = None,
    details: dict[str, Any] | None = None,
) -> ConnectionEvent:
    return ConnectionEvent.objects.create(
        connection=connection, kind=kind, message=message, cause=cause, actor=actor, details=details or {}
    )
