"""Intuit's error shapes, as small exception classes rendered in one place (`render_*` below).

Accounting API faults: https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
OAuth errors: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape  # nosec B406  # escapes what we write; nothing is parsed

from starlette.responses import JSONResponse, Response

from .clock import qbo_time, utcnow


class QBOFault(Exception):
    """A fault of the Accounting API: `{"Fault": {"Error": [...], "type": ...}, "time": ...}`."""

    status = 400
    fault_type = "ValidationFault"
    code = "6000"
    message = "A business validation error has occurred while processing your request"

    def __init__(self, detail: str = "", element: str = "", message: str | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        self.element = element
        if message is not None:
            self.message = message

    def error_item(self) -> dict[str, str]:
        item = {"Message": self.message, "Detail": self.detail or self.message, "code": self.code}
        if self.element:
            item["element"] = self.element
        return item

    def fault(self) -> dict[str, Any]:
        return {"Error": [self.error_item()], "type": self.fault_type}


class BusinessValidationError(QBOFault):
    code = "6000"


class StaleObjectError(QBOFault):
    code = "5010"
    message = "Stale Object Error"


class DuplicateNameError(QBOFault):
    code = "6240"
    message = "Duplicate Name Exists Error"


class DuplicateDocNumberError(QBOFault):
    # API_NOTES fixes 6210 for duplicate DocNumber (QBO also documents 6140 for this case).
    code = "6210"
    message = "Duplicate Document Number Error"


class ObjectNotFoundError(QBOFault):
    code = "610"
    message = "Object Not Found"


class RequiredParamMissingError(QBOFault):
    code = "2020"
    message = "Required param missing, need to supply the required value for the API"


class InvalidReferenceError(QBOFault):
    code = "2500"
    message = "Invalid Reference Id"


class InvalidFieldError(QBOFault):
    code = "2010"
    message = "Request has invalid or unsupported property"


class AmountMismatchError(QBOFault):
    code = "6070"
    message = "Amount calculation incorrect"


# Input of a shape no field check expected (a list where an object belongs) that raised inside
# the emulator: Intuit's JSON reader refuses such bodies with 2010, never with a 500.
MALFORMED_INPUT = (ValueError, TypeError, AttributeError, KeyError, ArithmeticError)


def malformed_input(exc: Exception) -> InvalidFieldError:
    return InvalidFieldError(
        f"Request has invalid or unsupported property: a value in the request body doesn't have "
        f"the type or shape this entity takes ({type(exc).__name__}: {exc})."
    )


class RequestParseError(QBOFault):
    code = "2310"
    message = "Invalid request: unable to parse the request body"


class QueryParseError(QBOFault):
    code = "4000"
    message = "Error parsing query"


class QueryValidationError(QBOFault):
    code = "4001"
    message = "Invalid query"


class UnsupportedOperationError(QBOFault):
    status = 400
    code = "500"
    message = "Unsupported Operation"


class BatchTooLargeError(QBOFault):
    code = "1003"
    message = "Batch request contains too many items"


class CdcWindowError(QBOFault):
    code = "4001"
    message = "Invalid query"


class ThrottleExceededError(QBOFault):
    """429: https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles"""

    status = 429
    fault_type = "SERVICE"
    code = "3001"
    message = "message=ThrottleExceeded; errorCode=003001; statusCode=429"

    def __init__(self, retry_after_s: float, detail: str = "") -> None:
        super().__init__(detail or "The request limit was reached.")
        self.retry_after_s = retry_after_s


class AuthorizationFault(QBOFault):
    """403 when the token is valid but for another company."""

    status = 403
    fault_type = "AuthorizationFault"
    code = "003100"
    message = "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403"


class AuthenticationFailed(Exception):
    """401 on the Accounting API; Intuit answers it with lower-case keys (API_NOTES)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OAuthError(Exception):
    """An OAuth token/revoke endpoint error: `{"error": ...}` (RFC 6749 section 5.2)."""

    def __init__(self, error: str, status: int = 400, description: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


class AuthorizeError(Exception):
    """A request to /connect/oauth2 that cannot even redirect back (bad client or redirect_uri)."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail


def fault_body(fault: QBOFault) -> dict[str, Any]:
    return {"Fault": fault.fault(), "time": qbo_time(utcnow())}


def render_fault(fault: QBOFault) -> Response:
    headers = {}
    if isinstance(fault, ThrottleExceededError):
        headers["Retry-After"] = str(max(1, round(fault.retry_after_s)))
    return JSONResponse(fault_body(fault), fault.status, headers=headers)


def render_fault_xml(fault: QBOFault) -> Response:
    """The XML IntuitResponse shape; Intuit's gateway may answer throttles this way (API_NOTES)."""
    detail = escape(fault.detail or fault.message)
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{qbo_time(utcnow())}">'
        f'<Fault type="{fault.fault_type}"><Error code="{fault.code}">'
        f"<Message>{escape(fault.message)}</Message><Detail>{detail}</Detail>"
        "</Error></Fault></IntuitResponse>"
    )
    response = Response(body, fault.status, media_type="application/xml")
    if isinstance(fault, ThrottleExceededError):
        response.headers["Retry-After"] = str(max(1, round(fault.retry_after_s)))
    return response


def authentication_body() -> dict[str, Any]:
    # Intuit's 401 uses lower-case "fault"/"error"/"message" keys, unlike every other fault.
    return {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": "Token expired or revoked",
                    "code": "3200",
                }
            ],
            "type": "AUTHENTICATION",
        },
        "requestId": None,
        "time": qbo_time(utcnow()),
    }


def render_authentication_failed(exc: AuthenticationFailed | None = None) -> Response:
    return JSONResponse(authentication_body(), 401, headers={"WWW-Authenticate": 'Bearer realm="Intuit"'})


def render_oauth_error(exc: OAuthError) -> Response:
    body: dict[str, str] = {"error": exc.error}
    if exc.description:
        body["error_description"] = exc.description
    return JSONResponse(body, exc.status)


def injected_fault_response(status: int) -> Response:
    """The body an injected fault of this status answers with (no body given in the fault spec)."""
    if status == 401:
        return render_authentication_failed()
    if status == 429:
        return render_fault(ThrottleExceededError(60))
    if status >= 500:
        fault = QBOFault("An application error has occurred while processing your request")
        fault.status = status
        fault.fault_type = "SystemFault"
        fault.code = "10000"
        fault.message = "An application error has occurred while processing your request"
        return render_fault(fault)
    generic = BusinessValidationError("Injected fault")
    generic.status = status
    return render_fault(generic)
