"""QuickBooksAccounting: every Accounting API call the sync engine makes to one company (realm).

Calls go through the company's shared limiter (500/min, 40 batches/min, 10 in flight), retry on
429 and 5xx, refresh the token once after a 401, and raise typed errors carrying Intuit's Fault
(Message, Detail, code, element). Every write carries the caller's `requestid`, so a retried or
re-run write returns the first result instead of a duplicate. Intuit's `intuit_tid` of every
response is kept in `last_request_ids`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from simplecommercesync.providers.http.call_policy import DEFAULT_POLICY, CallPolicy, ProviderMessage
from simplecommercesync.providers.http.errors import Unreachable
from simplecommercesync.providers.http.failures import NotFound, ValidationFailed
from simplecommercesync.providers.http.rate_limits import ProviderLimiter
from simplecommercesync.providers.http.session import ProviderClient, json_or_none
from simplecommercesync.providers.http.tokens import TokenSource
from simplecommercesync.providers.quickbooks.limits import (
    BATCH_MAX,
    BATCHES,
    MINOR_VERSION,
    QUERY_PAGE_MAX,
    REQUESTS,
)

TID_HEADER = "intuit_tid"
NOT_FOUND_CODE = "610"


def _first_error(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {}
    # The 401 answer spells its keys in lower case, every other Fault capitalised.
    fault = body.get("Fault") or body.get("fault")
    if not isinstance(fault, dict):
        return {}
    errors = fault.get("Error") or fault.get("error") or []
    return errors[0] if errors and isinstance(errors[0], dict) else {}


def fault_said(fault_error: Mapping[str, Any], fallback: str) -> ProviderMessage:
    """One Fault.Error item: Message, Detail, code, element (Intuit developer docs, "Error codes")."""
    message = str(fault_error.get("Message") or fault_error.get("message") or "")
    detail = str(fault_error.get("Detail") or fault_error.get("detail") or "") or None
    code = fault_error.get("code")
    shown = message or fallback
    if detail and detail != message:
        shown = f"{shown}: {detail}" if message else detail
    return ProviderMessage(
        message=shown,
        code=str(code) if code is not None else None,
        element=fault_error.get("element") or None,
        detail=detail,
        not_found=str(code) == NOT_FOUND_CODE,
    )


def quickbooks_said(response: httpx.Response, body: Any) -> ProviderMessage:
    return fault_said(_first_error(body), f"QuickBooks answered HTTP {response.status_code}")


def _part(body: Any, key: str, kind: type, what: str, *, wrote: bool = False) -> Any:
    """`body[key]` of a successful answer. Intuit always sends it (an empty query is
    `"QueryResponse": {}`); without it the answer came from something else (a proxy, a broken
    deploy), and reading it as "nothing" would lose records, or hide what a write did."""
    part = body.get(key) if isinstance(body, dict) else None
    if not isinstance(part, kind):
        raise Unreachable(f"QuickBooks answered {what} without its {key}", body=body, maybe_processed=wrote)
    return part


def _path_of(entity: str) -> str:
    return entity.lower()


@dataclass(frozen=True)
class BatchOperation:
    """One item of a batch request: a create/update/delete/void of an entity, or a query.

    https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
    """

    operation: Literal["create", "update", "delete", "void", "query"]
    entity: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)
    query: str = ""

    def as_item(self, batch_id: str) -> dict[str, Any]:
        if self.operation == "query":
            return {"bId": batch_id, "Query": self.query}
        return {"bId": batch_id, "operation": self.operation, self.entity: dict(self.body)}


@dataclass(frozen=True)
class BatchOutcome:
    """What QuickBooks answered for the operation at `index` of the list given to `batch`."""

    index: int
    operation: BatchOperation
    result: dict[str, Any] | None = None
    failure: ValidationFailed | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class QuickBooksAccounting(ProviderClient):
    def __init__(
        self,
        *,
        api_base_url: str,
        realm_id: str,
        tokens: TokenSource,
        limiter: ProviderLimiter,
        http: httpx.Client | None = None,
        timeout: float = 15,
        policy: CallPolicy = DEFAULT_POLICY,
    ) -> None:
        self.realm_id = str(realm_id)
        self.base = f"{api_base_url.rstrip('/')}/v3/company/{self.realm_id}"
        super().__init__(
            tokens=tokens,
            limiter=limiter,
            http=http,
            timeout=timeout,
            policy=policy,
            interpret=quickbooks_said,
            request_id_header=TID_HEADER,
        )

    @staticmethod
    def quote(value: str) -> str:
        """A value as a quoted literal of the query language, quotes escaped with a backslash
        (python-quickbooks `build_where_clause`; Intuit's query reference)."""
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"'{escaped}'"

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        batch: bool = False,
    ) -> dict[str, Any]:
        buckets = (BATCHES, REQUESTS) if batch else (REQUESTS,)
        response = self.session.request(
            method,
            f"{self.base}/{path}",
            buckets=buckets,
            params={**(params or {}), "minorversion": MINOR_VERSION},
            json_body=json_body,
        )
        body = json_or_none(response)
        return body if isinstance(body, dict) else {}

    # -- reading -------------------------------------------------------------------------------
    def query(
        self, entity: str, where: str = "", *, page_size: int = QUERY_PAGE_MAX
    ) -> Iterator[dict[str, Any]]:
        """Every entity matching `where` (text after WHERE; values through `quote`), page by page.

        https://developer.intuit.com/app/developer/qbo/docs/develop/explore-the-quickbooks-online-api/data-queries
        (STARTPOSITION is 1-based; at most 1000 per page). Ordered by Id so pages don't shift.
        """
        self.session.begin()
        size = max(1, min(page_size, QUERY_PAGE_MAX))
        start = 1
        condition = f" WHERE {where}" if where else ""
        while True:
            # Intuit's query language over HTTP, not SQL; callers put values through `quote`.
            text = f"SELECT * FROM {entity}{condition} ORDERBY Id STARTPOSITION {start} MAXRESULTS {size}"  # noqa: S608  # nosec B608  # Intuit query language, values quoted
            found = _part(self._call("GET", "query", params={"query": text}), "QueryResponse", dict, "a query")
            page = found.get(entity) or []
            yield from page
            if len(page) < size:
                return
            start += size

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        """One entity by Id (GET /v3/company/{realm}/{entity}/{id}); `NotFound` if it is gone.

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#read-an-invoice
        """
        self.session.begin()
        body = self._call("GET", f"{_path_of(entity)}/{entity_id}")
        found: dict[str, Any] = body[entity]
        return found

    def cdc(self, entities: Sequence[str], changed_since: datetime) -> dict[str, list[dict[str, Any]]]:
        """entity → entities changed since then (deleted ones have `status: "Deleted"`).

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
        (≤ 30 days back, ≤ 1000 per entity).
        """
        self.session.begin()
        if changed_since.tzinfo is None:
            raise ValueError("changed_since must be timezone-aware")
        since = changed_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = self._call("GET", "cdc", params={"entities": ",".join(entities), "changedSince": since})
        changed: dict[str, list[dict[str, Any]]] = {e: [] for e in entities}
        for block in _part(body, "CDCResponse", list, "a change data capture"):
            for response in block.get("QueryResponse") or []:
                for key, value in response.items():
                    if isinstance(value, list):
                        changed.setdefault(key, []).extend(value)
        return changed

    def preferences(self) -> dict[str, Any]:
        """The company's Preferences (tax, currency, sales form settings).

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
        """
        self.session.begin()
        found: dict[str, Any] = self._call("GET", "preferences")["Preferences"]
        return found

    def company_info(self) -> dict[str, Any]:
        """CompanyInfo (name, Country, which tells the tax model).

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo
        """
        self.session.begin()
        found: dict[str, Any] = self._call("GET", f"companyinfo/{self.realm_id}")["CompanyInfo"]
        return found

    # -- writing -------------------------------------------------------------------------------
    def create(self, entity: str, body: Mapping[str, Any], *, request_id: str) -> dict[str, Any]:
        """Creates an entity; the same `request_id` again returns the first result.

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
        and "Idempotency: requestid" in Intuit's REST API features.
        """
        self.session.begin()
        answer = self._call("POST", _path_of(entity), params={"requestid": request_id}, json_body=dict(body))
        created: dict[str, Any] = answer[entity]
        return created

    def update(self, entity: str, body: Mapping[str, Any], *, request_id: str) -> dict[str, Any]:
        """Updates an entity (`Id` and the current `SyncToken` in the body; `"sparse": true` for a
        partial update). A stale SyncToken is `ValidationFailed` with code 5010.

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#sparse-update-an-invoice
        """
        self.session.begin()
        answer = self._call(
            "POST",
            _path_of(entity),
            params={"requestid": request_id},
            json_body=dict(body),
        )
        updated: dict[str, Any] = answer[entity]
        return updated

    def batch(self, operations: Sequence[BatchOperation], *, request_id: str) -> list[BatchOutcome]:
        """Runs the operations ≤ 30 per call, in order; one outcome per operation, in order.

        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch. An
        item QuickBooks refuses comes back as a Fault inside a 200 and becomes the outcome's
        `failure`; the others stand. Chunk n is sent with requestid `{request_id}-{n}`, so the
        caller must derive `request_id` from the whole list's content.
        """
        self.session.begin()
        outcomes: list[BatchOutcome] = []
        for chunk_index, start in enumerate(range(0, len(operations), BATCH_MAX)):
            chunk = operations[start : start + BATCH_MAX]
            items = [op.as_item(str(start + n)) for n, op in enumerate(chunk)]
            answer = self._call(
                "POST",
                "batch",
                params={"requestid": f"{request_id}-{chunk_index}"},
                json_body={"BatchItemRequest": items},
                batch=True,
            )
            answered = _part(answer, "BatchItemResponse", list, "a batch", wrote=True)
            by_id = {str(item.get("bId")): item for item in answered if isinstance(item, dict)}
            for n, op in enumerate(chunk):
                outcomes.append(self._outcome(start + n, op, by_id.get(str(start + n))))
        return outcomes

    def _outcome(self, index: int, op: BatchOperation, item: dict[str, Any] | None) -> BatchOutcome:
        if item is None:
            return BatchOutcome(
                index, op, failure=ValidationFailed("QuickBooks gave no answer for this batch item")
            )
        if "Fault" in item:
            errors = (item["Fault"] or {}).get("Error") or [{}]
            said = fault_said(errors[0], "QuickBooks refused this batch item")
            error_class = NotFound if said.not_found else ValidationFailed
            failure = error_class(
                said.message,
                status=400,
                body=item,
                code=said.code,
                element=said.element,
                detail=said.detail,
                request_id=self.session.request_ids[-1] if self.session.request_ids else None,
            )
            return BatchOutcome(index, op, failure=failure)
        if op.operation == "query":
            return BatchOutcome(index, op, result=item.get("QueryResponse") or {})
        return BatchOutcome(index, op, result=item.get(op.entity) or item.get(_entity_key(item)))


def _entity_key(item: Mapping[str, Any]) -> str:
    return next((k for k in item if k not in ("bId", "Fault")), "")
