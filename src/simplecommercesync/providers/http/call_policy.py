"""How one API call is judged and retried, the same for every provider.

Classify first (Airbyte's error mapping, meltano/sdk `validate_response`): 429 is rate limited
and waits for `Retry-After` (seconds or an HTTP-date, capped); 5xx, timeouts and dropped
connections back off with jitter; every other 4xx is final and carries the provider's message.
The retry loop itself is tenacity's; a 401 is handled by the client (one forced token refresh).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from simplecommercesync.providers.http.errors import ProviderError, RateLimited, Unauthorized, Unreachable
from simplecommercesync.providers.http.failures import MissingScopes, NotFound, NotSent, ValidationFailed
from simplecommercesync.providers.http.rate_limits import LimiterBusy

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class CallPolicy:
    """Bounds of the retry loop. `sleep` is replaceable so tests can keep time under control."""

    attempts: int = 6
    max_retry_after_s: float = 60.0
    backoff_multiplier_s: float = 0.5
    backoff_max_s: float = 20.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


DEFAULT_POLICY = CallPolicy()


def retry_after_seconds(value: str | None, default: float, cap: float, now: datetime | None = None) -> float:
    """`Retry-After` as seconds to wait (RFC 9110 §10.2.3: delay-seconds or an HTTP-date)."""
    if not value:
        return min(default, cap)
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return min(default, cap)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), cap)


def is_retriable(exc: BaseException, *, idempotent: bool) -> bool:
    if isinstance(exc, LimiterBusy):
        return False  # our own budget is full for minutes: the caller reschedules instead
    if isinstance(exc, RateLimited | NotSent):
        return True
    # A write the provider can't replay may have landed before the connection broke.
    return idempotent and isinstance(exc, Unreachable)


def _wait(policy: CallPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_random_exponential(multiplier=policy.backoff_multiplier_s, max=policy.backoff_max_s)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            return min(exc.retry_after, policy.max_retry_after_s)
        return float(backoff(state))

    return wait


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("Provider call failed (%s); attempt %d, retrying in %.2fs", exc, state.attempt_number, wait)


def call_with_retries(attempt: Callable[[], T], policy: CallPolicy, *, idempotent: bool = True) -> T:
    """Runs `attempt` until it returns, a final error is raised, or the attempts run out (the
    last error is raised then)."""
    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_wait(policy),
        retry=retry_if_exception(lambda exc: is_retriable(exc, idempotent=idempotent)),
        sleep=policy.sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    return retrying(attempt)


def send(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    """One HTTP exchange with network trouble as our typed errors."""
    try:
        return http.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise NotSent(f"Could not connect to {request.url.host} ({type(exc).__name__})") from exc
    except httpx.TimeoutException as exc:
        raise Unreachable(f"{request.url.host} did not answer in time") from exc
    except httpx.TransportError as exc:
        raise Unreachable(f"Lost the connection to {request.url.host} ({type(exc).__name__})") from exc


@dataclass(frozen=True)
class ProviderMessage:
    """What a provider said about a failed call, read from its own error body."""

    message: str
    code: str | None = None
    element: str | None = None
    detail: str | None = None
    missing_scopes: bool = False
    not_found: bool = False


def failure_for(
    response: httpx.Response,
    said: ProviderMessage,
    body: Any,
    *,
    default_retry_after_s: float,
    policy: CallPolicy,
    request_id: str | None,
) -> ProviderError:
    """The typed error for a failed response; the status code decides, never the body alone
    (QuickBooks may answer a 429 in XML)."""
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(
            response.headers.get("Retry-After"), default_retry_after_s, policy.max_retry_after_s
        )
        return RateLimited(said.message, retry_after=wait, body=body)
    if status >= 500 and status != 501:  # 501 Not Implemented will not change on a retry
        return Unreachable(said.message, status=status, body=body)
    if said.missing_scopes:
        return MissingScopes(said.message, status=status, body=body)
    if status in (401, 403):
        return Unauthorized(said.message, status=status, body=body)
    error_class = NotFound if said.not_found or status == 404 else ValidationFailed
    return error_class(
        said.message,
        status=status,
        body=body,
        code=said.code,
        element=said.element,
        detail=said.detail,
        request_id=request_id,
    )
