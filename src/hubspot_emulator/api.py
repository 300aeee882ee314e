"""What every CRM API call goes through: bearer token, rate limits, scopes, error rendering."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .events import CRM_UI, ChangeSource
from .exceptions import HubSpotError, MissingScopes, ValidationError, error_response
from .limits import PortalLimits
from .models import HubSpotBackend, HubSpotWorld
from .oauth_models import Grant
from .webhooks import WebhookNotifier

# Each inner list is a set of alternatives (any one grants it); every group must be satisfied.
ScopeRule = Callable[[Request], list[list[str]]]


@dataclass
class ApiCall:
    backend: HubSpotBackend
    grant: Grant
    source: ChangeSource


Handler = Callable[[Request, ApiCall], Awaitable[Response]]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def json_body(request: Request) -> Any:
    """The request JSON with decimals kept exact (money written as 12.30 stays 12.30)."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise ValidationError(f"Invalid input JSON: {exc}") from exc


def query_list(request: Request, name: str) -> list[str] | None:
    """`?properties=a,b&properties=c` → ["a", "b", "c"]; None when absent."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    return [part for value in values for part in value.split(",") if part]


def query_bool(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"


class Api:
    def __init__(self, world: HubSpotWorld, limits: PortalLimits,
                 notifier: WebhookNotifier | None) -> None:
        self.world = world
        self.limits = limits
        self.notifier = notifier

    def _source_of(self, grant: Grant) -> ChangeSource:
        """Writes with an OAuth app's token are the app's (`INTEGRATION`); the emulator's
        private-app tokens stand for a person working in HubSpot (`CRM_UI`)."""
        if grant.app_id is None:
            return CRM_UI
        app = self.world.oauth.app_by_id(grant.app_id)
        return ChangeSource("INTEGRATION", grant.app_id, app.name if app else None)

    def endpoint(self, scopes: ScopeRule, *, search: bool = False
                 ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                headers: dict[str, str] = {}
                try:
                    grant = self.world.oauth.authenticate(bearer_token(request))
                    key = f"{grant.portal_id}:{grant.app_id or 'private'}"
                    if search:
                        self.limits.check_search(str(grant.portal_id))
                    else:
                        headers = self.limits.check_api(key)
                    for alternatives in scopes(request):
                        if not grant.scopes.intersection(alternatives):
                            raise MissingScopes(alternatives)
                    backend = self.world.backend(grant.portal_id)
                    source = self._source_of(grant)
                    response = await handler(request, ApiCall(backend, grant, source))
                except HubSpotError as error:
                    response = error_response(error)
                except (ValueError, TypeError, AttributeError, ArithmeticError) as exc:
                    # Malformed input (a list where an object belongs, text for a number):
                    # HubSpot answers 400 for these, not 500.
                    response = error_response(
                        ValidationError(f"Invalid input: {type(exc).__name__}: {exc}"))
                finally:
                    if self.notifier is not None:
                        self.notifier.flush()
                for name, value in headers.items():
                    response.headers.setdefault(name, value)
                return response

            endpoint.__name__ = handler.__name__
            return endpoint

        return wrap
