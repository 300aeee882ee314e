"""What every call to one provider account goes through, whichever provider it is: the shared
rate limiter, the bearer token (one forced refresh after a 401), the retry policy, typed errors,
and the provider's request ids kept for the attempt log."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from simplecommercesync.providers.http.call_policy import (
    CallPolicy,
    ProviderMessage,
    call_with_retries,
    failure_for,
    send,
)
from simplecommercesync.providers.http.errors import Unauthorized
from simplecommercesync.providers.http.rate_limits import ProviderLimiter
from simplecommercesync.providers.http.tokens import TokenSource

Interpreter = Callable[[httpx.Response, Any], ProviderMessage]


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None


class ProviderSession:
    def __init__(
        self,
        *,
        http: httpx.Client,
        tokens: TokenSource,
        limiter: ProviderLimiter,
        policy: CallPolicy,
        interpret: Interpreter,
        request_id_header: str,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        self.policy = policy
        self.interpret = interpret
        self.request_id_header = request_id_header
        self._local = threading.local()

    @property
    def request_ids(self) -> list[str]:
        ids: list[str] | None = getattr(self._local, "ids", None)
        if ids is None:
            ids = []
            self._local.ids = ids
        return ids

    def begin(self) -> None:
        """Starts a new public operation: its provider request ids replace the previous ones."""
        self._local.ids = []

    def request(
        self,
        method: str,
        url: str,
        *,
        buckets: Sequence[str],
        idempotent: bool = True,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        content: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The successful response (any 2xx, a 207 included), or a typed error."""

        def attempt(token: str) -> httpx.Response:
            request = self.http.build_request(
                method,
                url,
                params=params,
                json=json_body,
                content=content,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json", **(headers or {})},
            )
            with self.limiter.slot(*buckets):
                response = send(self.http, request)
            request_id = response.headers.get(self.request_id_header)
            if request_id:
                self.request_ids.append(request_id)
            if response.is_success:
                return response
            body = json_or_none(response)
            raise failure_for(
                response,
                self.interpret(response, body),
                body,
                default_retry_after_s=self.limiter.limits.default_retry_after_s,
                policy=self.policy,
                request_id=request_id,
            )

        token = self.tokens.access_token()
        try:
            return call_with_retries(lambda: attempt(token), self.policy, idempotent=idempotent)
        except Unauthorized as exc:
            if exc.status != 401:
                raise
        # The token may have expired early or been rotated elsewhere: one forced refresh, once.
        fresh = self.tokens.refreshed_after(token)
        return call_with_retries(lambda: attempt(fresh), self.policy, idempotent=idempotent)


class ProviderClient:
    """Base of one provider account's API client (HubSpotCrm, QuickBooksAccounting): it owns the
    account's ProviderSession and exposes the provider request ids of its last operation."""

    def __init__(
        self,
        *,
        tokens: TokenSource,
        limiter: ProviderLimiter,
        http: httpx.Client | None,
        timeout: float,
        policy: CallPolicy,
        interpret: Interpreter,
        request_id_header: str,
    ) -> None:
        self.session = ProviderSession(
            http=http or httpx.Client(timeout=timeout),
            tokens=tokens,
            limiter=limiter,
            policy=policy,
            interpret=interpret,
            request_id_header=request_id_header,
        )

    @property
    def last_request_ids(self) -> list[str]:
        """The provider's request ids (HubSpot's correlation id, QuickBooks' intuit_tid) of the calls
        made by the last operation on this thread."""
        return list(self.session.request_ids)
