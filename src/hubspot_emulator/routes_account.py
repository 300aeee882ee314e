"""Account information (https://developers.hubspot.com/docs/api/settings/account-information-api)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .api import Api, ApiCall


def any_token(request: Request) -> list[list[str]]:
    return []


def routes(api: Api) -> list[BaseRoute]:
    @api.endpoint(any_token)
    async def details(request: Request, call: ApiCall) -> Response:
        portal = call.backend.portal
        offset = datetime.now(ZoneInfo(portal.time_zone)).utcoffset()
        offset_ms = int(offset.total_seconds() * 1000) if offset else 0
        sign = "-" if offset_ms < 0 else "+"
        minutes = abs(offset_ms) // 60000
        return JSONResponse({
            "portalId": portal.id,
            "accountType": "STANDARD",
            "timeZone": portal.time_zone,
            "companyCurrency": portal.currency,
            "additionalCurrencies": [],
            "utcOffset": f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
            "utcOffsetMilliseconds": offset_ms,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        })

    return [Route("/account-info/v3/details", details, methods=["GET"])]
