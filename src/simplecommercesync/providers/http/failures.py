"""Failures of API calls finer than `provider_errors`: what the sync engine must tell apart to
show the right fix (a record the provider refused, a missing scope, a batch that half worked).

Each subclasses one of the shared errors, so code that only knows `Rejected` or `Unreachable`
keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simplecommercesync.providers.http.errors import Rejected, Unreachable


class NotSent(Unreachable):
    """The connection was never made: even a write without an idempotency key is safe to retry."""


class ValidationFailed(Rejected):
    """The provider refused the request and said why, in its own words.

    `code` is QuickBooks' Fault code (e.g. "6240") or HubSpot's error category; `element` is the
    field QuickBooks names; `request_id` the provider's id for the call (intuit_tid or HubSpot's
    correlation id), for support tickets.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        code: str | None = None,
        element: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.code = code
        self.element = element
        self.detail = detail
        self.request_id = request_id


class NotFound(ValidationFailed):
    """The record does not exist (HubSpot 404, QuickBooks Fault 610)."""


class MissingScopes(Rejected):
    """The grant lacks a scope this call needs: reconnecting and approving the scope fixes it."""


@dataclass(frozen=True)
class ItemFailure:
    """One refused input of a batch, as the provider described it."""

    message: str
    code: str | None = None
    ids: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)


class PartialBatchFailure(Rejected):
    """A batch call where some inputs were written and some refused (HubSpot answers 207)."""

    def __init__(
        self,
        message: str,
        *,
        results: list[dict[str, Any]],
        failures: list[ItemFailure],
        status: int | None = 207,
        body: Any = None,
    ) -> None:
        super().__init__(message, status=status, body=body)
        self.results = results
        self.failures = failures
