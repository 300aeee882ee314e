"""HubSpot's errors as small exception classes, rendered into HubSpot's body in one place.

Body shape (https://developers.hubspot.com/docs/api/error-handling):
`{status: "error", message, correlationId, category, errors: [{message, in, code}], context, links}`
plus the `x-hubspot-correlation-id` header. OAuth endpoints answer `{status: "BAD_...", message}`.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from .clock import correlation_id

CORRELATION_HEADER = "x-hubspot-correlation-id"


class HubSpotError(Exception):
    status_code = 400
    category = "VALIDATION_ERROR"

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.context = context
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, correlation: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation,
            "category": self.category,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        if self.context is not None:
            body["context"] = self.context
        body.update(self.extra)
        return body


class ValidationError(HubSpotError):
    status_code = 400
    category = "VALIDATION_ERROR"


class ObjectNotFound(HubSpotError):
    status_code = 404
    category = "OBJECT_NOT_FOUND"


class Conflict(HubSpotError):
    status_code = 409
    category = "CONFLICT"


class InvalidAuthentication(HubSpotError):
    status_code = 401
    category = "INVALID_AUTHENTICATION"


class ExpiredAuthentication(HubSpotError):
    status_code = 401
    category = "EXPIRED_AUTHENTICATION"

    def __init__(self, seconds_ago: int) -> None:
        # Wording from API_NOTES (observed HubSpot body for an expired OAuth token).
        super().__init__(
            f"The OAuth token used to make this call expired {max(seconds_ago, 1)} second(s) ago."
        )


class MissingScopes(HubSpotError):
    status_code = 403
    category = "MISSING_SCOPES"

    def __init__(self, required: list[str]) -> None:
        super().__init__(
            "This app hasn't been granted all required scopes to make this call. "
            "Read more about required scopes here: https://developers.hubspot.com/scopes.",
            errors=[
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": required},
                }
            ],
            extra={"links": {"scopes": "https://developers.hubspot.com/scopes"}},
        )


class RateLimited(HubSpotError):
    status_code = 429
    category = "RATE_LIMITS"

    def __init__(self, policy: str, message: str, headers: dict[str, str], group: str) -> None:
        super().__init__(message, headers=headers)
        self.policy = policy
        self.group = group

    def body(self, correlation: str) -> dict[str, Any]:
        # https://developers.hubspot.com/docs/api/usage-details#error-responses (429 body).
        return {
            "status": "error",
            "message": self.message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation,
            "policyName": self.policy,
            "groupName": self.group,
        }


class NotEmulated(HubSpotError):
    """An endpoint or option HubSpot has but this emulator does not: never a fake success."""

    status_code = 501
    category = "NOT_EMULATED"


class OAuthError(HubSpotError):
    """Errors of /oauth/v1/token and friends: `{status: "BAD_AUTH_CODE", message}`."""

    def __init__(self, status: str, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.oauth_status = status
        self.status_code = status_code

    def body(self, correlation: str) -> dict[str, Any]:
        return {"status": self.oauth_status, "message": self.message, "correlationId": correlation}


class AuthorizeError(Exception):
    """A failure on the consent flow, sent back to the app's redirect URI as `error=...`."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class AuthorizePageError(Exception):
    """A consent-flow failure that cannot redirect (bad client_id or redirect_uri): an HTML page."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail


def error_response(error: HubSpotError) -> JSONResponse:
    """The one place that turns an error into HubSpot's wire shape."""
    correlation = correlation_id()
    headers = {CORRELATION_HEADER: correlation, **error.headers}
    return JSONResponse(error.body(correlation), status_code=error.status_code, headers=headers)


def status_error_response(status: int) -> JSONResponse:
    """Body for an injected fault of a given status, shaped like HubSpot's."""
    categories = {
        400: ValidationError,
        401: InvalidAuthentication,
        403: MissingScopes,
        404: ObjectNotFound,
        409: Conflict,
    }
    if status == 429:
        return error_response(
            RateLimited("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.",
                        {}, "publicapi:injected")
        )
    if status == 403:
        return error_response(MissingScopes([]))
    error_class = categories.get(status)
    if error_class is not None:
        error: HubSpotError = error_class("Injected fault.")
    else:
        error = HubSpotError("internal error" if status >= 500 else "Injected fault.")
        error.category = "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR"
    error.status_code = status
    return error_response(error)
