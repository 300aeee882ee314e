"""HubSpotCrm: every CRM call the sync engine makes to one HubSpot portal, in batches.

Calls go through the portal's shared rate limiter (search has its own bucket), retry on 429 and
5xx, refresh the token once after a 401, and raise typed errors carrying HubSpot's own message.
HubSpot's correlation id of every response is kept in `last_request_ids`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from simplecommercesync.providers.http.call_policy import DEFAULT_POLICY, CallPolicy, ProviderMessage
from simplecommercesync.providers.http.errors import ProviderError, Unreachable
from simplecommercesync.providers.http.failures import ItemFailure, PartialBatchFailure, ValidationFailed
from simplecommercesync.providers.http.rate_limits import ProviderLimiter
from simplecommercesync.providers.http.session import ProviderClient, json_or_none
from simplecommercesync.providers.http.tokens import TokenSource
from simplecommercesync.providers.hubspot.limits import (
    ASSOCIATIONS_BATCH_READ_MAX,
    BATCH_MAX,
    GENERAL,
    LIST_PAGE_MAX,
    SEARCH,
    SEARCH_PAGE_MAX,
    SEARCH_RESULTS_CAP,
    TAX_RATES_PAGE_MAX,
)

CORRELATION_HEADER = "x-hubspot-correlation-id"
MODIFIED = "hs_lastmodifieddate"


def hubspot_said(response: httpx.Response, body: Any) -> ProviderMessage:
    """HubSpot's error body: {status, message, correlationId, category, errors: [{message, in,
    code}], context} (https://developers.hubspot.com/docs/api/error-handling)."""
    if not isinstance(body, dict):
        return ProviderMessage(f"HubSpot answered HTTP {response.status_code}")
    category = body.get("category") if isinstance(body.get("category"), str) else None
    details = [e["message"] for e in body.get("errors") or [] if isinstance(e, dict) and e.get("message")]
    return ProviderMessage(
        message=str(body.get("message") or f"HubSpot answered HTTP {response.status_code}"),
        code=category,
        detail="; ".join(details) or None,
        missing_scopes=category == "MISSING_SCOPES",
        not_found=category == "OBJECT_NOT_FOUND",
    )


def epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("HubSpot search times must be timezone-aware")
    return int(moment.timestamp() * 1000)


def modified_ms(obj: Mapping[str, Any]) -> int:
    """`hs_lastmodifieddate` in epoch milliseconds (HubSpot answers ISO 8601 or epoch millis)."""
    raw = str((obj.get("properties") or {}).get(MODIFIED) or obj.get("updatedAt") or "")
    if raw.isdigit():
        return int(raw)
    return epoch_ms(datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC))


def _results(body: Any, what: str, *, wrote: bool = False) -> list[Any]:
    """The `results` of an answer. A success without them is no proof that nothing exists (a proxy
    or a broken deploy answered): reading it as "none found" would mark live records deleted, and
    after a write it would hide what HubSpot may have created."""
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise Unreachable(f"HubSpot answered {what} without its list of results", body=body, maybe_processed=wrote)
    return results


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _failure_ids(error: Mapping[str, Any]) -> tuple[str, ...]:
    context = error.get("context") or {}
    found: list[str] = []
    for key in ("id", "ids", "objectId"):
        values = context.get(key)
        if isinstance(values, list):
            found.extend(str(v) for v in values)
        elif values is not None:
            found.append(str(values))
    return tuple(found)


def _item_failures(body: Any) -> list[ItemFailure]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [
        ItemFailure(
            message=str(e.get("message") or "HubSpot refused this input"),
            code=e.get("category"),
            ids=_failure_ids(e),
            context=dict(e.get("context") or {}),
        )
        for e in errors or []
        if isinstance(e, dict)
    ]


class HubSpotCrm(ProviderClient):
    def __init__(
        self,
        *,
        api_base_url: str,
        portal_id: int,
        tokens: TokenSource,
        limiter: ProviderLimiter,
        http: httpx.Client | None = None,
        timeout: float = 15,
        policy: CallPolicy = DEFAULT_POLICY,
    ) -> None:
        self.base = api_base_url.rstrip("/")
        self.portal_id = portal_id
        super().__init__(
            tokens=tokens,
            limiter=limiter,
            http=http,
            timeout=timeout,
            policy=policy,
            interpret=hubspot_said,
            request_id_header=CORRELATION_HEADER,
        )

    def _post(self, path: str, body: Any, *, bucket: str = GENERAL, idempotent: bool = True) -> Any:
        response = self.session.request(
            "POST", f"{self.base}{path}", buckets=(bucket,), json_body=body, idempotent=idempotent
        )
        return json_or_none(response)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.session.request("GET", f"{self.base}{path}", buckets=(GENERAL,), params=params)
        return json_or_none(response)

    # -- records -------------------------------------------------------------------------------
    def batch_read(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """id → record for the ids that exist; missing ids are simply absent.

        https://developers.hubspot.com/docs/api/crm/objects (POST /crm/v3/objects/{objectType}/batch/read,
        ≤ 100 inputs; unknown ids come back as a 207 with errors, which is not a failure here).
        """
        self.session.begin()
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(dict.fromkeys(str(i) for i in ids)), BATCH_MAX):
            body = self._post(
                f"/crm/v3/objects/{object_type}/batch/read",
                {"properties": list(properties), "inputs": [{"id": i} for i in chunk]},
            )
            for record in _results(body, "a batch read"):
                found[str(record["id"])] = record
        return found

    def batch_create(self, object_type: str, inputs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Creates records, ≤ 100 per call; each input is `{"properties": {...}, "associations": [...]}`.

        https://developers.hubspot.com/docs/api/crm/objects (POST .../batch/create). HubSpot does
        not promise results in input order. A create has no idempotency key, so it is retried only
        when the request never left (a 429 or a refused connection). Some inputs refused →
        `PartialBatchFailure` with the records that were created.
        """
        self.session.begin()
        return self._batch_write(object_type, "create", [dict(i) for i in inputs], idempotent=False)

    def batch_update(self, object_type: str, updates: Mapping[str, Mapping[str, str]]) -> None:
        """id → properties to set, ≤ 100 per call.

        https://developers.hubspot.com/docs/api/crm/objects (POST .../batch/update). Inputs HubSpot
        refuses (207 errors, or a chunk refused as a whole) → `PartialBatchFailure` after every
        chunk was tried, naming the ids when HubSpot does.
        """
        self.session.begin()
        inputs = [{"id": str(i), "properties": dict(p)} for i, p in updates.items()]
        self._batch_write(object_type, "update", inputs, idempotent=True)

    def _batch_write(
        self, object_type: str, action: str, inputs: list[dict[str, Any]], *, idempotent: bool
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        failures: list[ItemFailure] = []
        for chunk in _chunks(inputs, BATCH_MAX):
            try:
                body = self._post(
                    f"/crm/v3/objects/{object_type}/batch/{action}",
                    {"inputs": list(chunk)},
                    idempotent=idempotent,
                )
            except ValidationFailed as refused:
                # HubSpot refuses a whole batch for one bad input; say which inputs were in it.
                ids = _failure_ids(refused.body) if isinstance(refused.body, dict) else ()
                chunk_ids = tuple(str(i["id"]) for i in chunk if "id" in i)
                failures.append(
                    ItemFailure(refused.message, refused.code, ids or chunk_ids, {"detail": refused.detail})
                )
                continue
            results.extend(_results(body, f"a batch {action}", wrote=True))
            failures.extend(_item_failures(body))
        if failures:
            raise PartialBatchFailure(
                f"HubSpot refused {len(failures)} of the {action}s: {failures[0].message}",
                results=results,
                failures=failures,
            )
        return results

    def search_modified_since(
        self,
        object_type: str,
        since: datetime,
        properties: Sequence[str],
        *,
        until: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Records with `hs_lastmodifieddate` ≥ since (and ≤ until), oldest change first.

        https://developers.hubspot.com/docs/api/crm/search: pages of ≤ 200 and no more than 10,000
        results per query, so before the cap the search starts again from the newest timestamp
        seen (MeltanoLabs tap-hubspot does the same); records already given are not repeated.
        """
        self.session.begin()
        wanted = list(dict.fromkeys([*properties, MODIFIED]))
        floor = epoch_ms(since)
        given_at_floor: set[str] = set()
        newest: int | None = None
        given_at_newest: set[str] = set()
        while True:
            filters: list[dict[str, Any]] = [
                {"propertyName": MODIFIED, "operator": "GTE", "value": str(floor)}
            ]
            if until is not None:
                filters.append({"propertyName": MODIFIED, "operator": "LTE", "value": str(epoch_ms(until))})
            after = 0
            while True:
                query: dict[str, Any] = {
                    "filterGroups": [{"filters": filters}],
                    "sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
                    "properties": wanted,
                    "limit": SEARCH_PAGE_MAX,
                }
                if after:
                    query["after"] = str(after)
                page = self._post(f"/crm/v3/objects/{object_type}/search", query, bucket=SEARCH)
                results = _results(page, "a search")
                for record in results:
                    stamp = modified_ms(record)
                    record_id = str(record["id"])
                    if stamp == floor and record_id in given_at_floor:
                        continue
                    if newest is None or stamp > newest:
                        newest, given_at_newest = stamp, {record_id}
                    elif stamp == newest:
                        given_at_newest.add(record_id)
                    yield record
                next_after = ((page.get("paging") or {}).get("next") or {}).get("after")
                end = after + len(results)
                at_cap = (
                    next_after is not None and int(next_after) + SEARCH_PAGE_MAX > SEARCH_RESULTS_CAP
                ) or (next_after is None and end >= SEARCH_RESULTS_CAP and int(page.get("total") or 0) > end)
                if at_cap:
                    break
                if next_after is None:
                    return
                after = int(next_after)
            if newest is None or newest == floor:
                raise ProviderError(
                    f"More than {SEARCH_RESULTS_CAP} HubSpot {object_type} share one "
                    f"{MODIFIED}; the search cannot go past them"
                )
            floor, given_at_floor = newest, set(given_at_newest)

    def list_all(self, object_type: str, properties: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every record of a type, page by page (for catalogs and reconciliation sweeps).

        https://developers.hubspot.com/docs/api/crm/objects (GET /crm/v3/objects/{objectType},
        limit ≤ 100, `after` cursor).
        """
        self.session.begin()
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": LIST_PAGE_MAX, "properties": ",".join(properties)}
            if after:
                params["after"] = after
            page = self._get(f"/crm/v3/objects/{object_type}", params)
            yield from _results(page, "a list page")
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    # -- associations --------------------------------------------------------------------------
    def associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> dict[str, list[str]]:
        """from id → associated `to_type` ids, for every id asked (empty when none).

        https://developers.hubspot.com/docs/api/crm/associations/v4 (POST
        /crm/v4/associations/{from}/{to}/batch/read, ≤ 1,000 inputs per call since 2025-02-10;
        an object with more associations than one page carries its own `after` cursor).
        """
        self.session.begin()
        unique = list(dict.fromkeys(str(i) for i in ids))
        linked: dict[str, list[str]] = {i: [] for i in unique}
        pending: list[dict[str, str]] = [{"id": i} for i in unique]
        while pending:
            more: list[dict[str, str]] = []
            for chunk in _chunks(pending, ASSOCIATIONS_BATCH_READ_MAX):
                body = self._post(
                    f"/crm/v4/associations/{from_type}/{to_type}/batch/read", {"inputs": list(chunk)}
                )
                for result in _results(body, "an associations read"):
                    from_id = str(result["from"]["id"])
                    targets = linked.setdefault(from_id, [])
                    for target in result.get("to") or []:
                        to_id = str(target["toObjectId"])
                        if to_id not in targets:
                            targets.append(to_id)
                    cursor = ((result.get("paging") or {}).get("next") or {}).get("after")
                    if cursor:
                        more.append({"id": from_id, "after": str(cursor)})
            pending = more
        return linked

    # -- definitions ---------------------------------------------------------------------------
    def tax_rates(self) -> list[dict[str, Any]]:
        """Every tax rate of the portal, active or not.

        https://developers.hubspot.com/docs/api/commerce/taxes (GET /tax-rates/v1/tax-rates).
        """
        self.session.begin()
        rates: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": TAX_RATES_PAGE_MAX}
            if after:
                params["after"] = after
            page = self._get("/tax-rates/v1/tax-rates", params)
            rates.extend(_results(page, "the tax rates list"))
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return rates

    def properties(self, object_type: str) -> list[dict[str, Any]]:
        """The live property definitions of an object type, custom ones included.

        https://developers.hubspot.com/docs/api/crm/properties (GET /crm/v3/properties/{objectType}).
        """
        self.session.begin()
        found: list[dict[str, Any]] = _results(self._get(f"/crm/v3/properties/{object_type}"), "the properties list")
        return found

    def ensure_properties(
        self,
        object_type: str,
        group: str,
        group_label: str,
        properties: Sequence[Mapping[str, Any]],
    ) -> None:
        """Creates the property group and whichever of `properties` the portal lacks; safe to
        repeat and to race (a 409 means another worker made it first).

        https://developers.hubspot.com/docs/api/crm/properties (GET/POST
        /crm/v3/properties/{objectType}/groups, GET /crm/v3/properties/{objectType},
        POST .../batch/create).
        """
        self.session.begin()
        groups = self._get(f"/crm/v3/properties/{object_type}/groups")
        if group not in {g.get("name") for g in _results(groups, "the property groups list")}:
            try:
                self._post(
                    f"/crm/v3/properties/{object_type}/groups",
                    {"name": group, "label": group_label, "displayOrder": -1},
                )
            except ValidationFailed as refused:
                if refused.status != 409:
                    raise
        existing = {
            p.get("name") for p in _results(self._get(f"/crm/v3/properties/{object_type}"), "the properties list")
        }
        missing = [{**p, "groupName": group} for p in properties if p["name"] not in existing]
        if not missing:
            return
        try:
            body = self._post(f"/crm/v3/properties/{object_type}/batch/create", {"inputs": missing})
        except ValidationFailed as refused:
            if refused.status != 409:
                raise
            return
        refusals = [f for f in _item_failures(body) if f.code != "CONFLICT"]
        if refusals:
            raise PartialBatchFailure(
                f"HubSpot refused {len(refusals)} of the {object_type} properties: {refusals[0].message}",
                results=body.get("results") or [],
                failures=refusals,
            )

    # -- two-way syncs (quotes, invoices QuickBooks → HubSpot) ---------------------------------
    def read_by_unique(
        self, object_type: str, id_property: str, values: Sequence[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """value → record, read by a unique property (contacts by `email`); no search lag.

        https://developers.hubspot.com/docs/api/crm/objects (batch/read with `idProperty`).
        """
        self.session.begin()
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(dict.fromkeys(v for v in values if v)), BATCH_MAX):
            body = self._post(
                f"/crm/v3/objects/{object_type}/batch/read",
                {"properties": list(dict.fromkeys([*properties, id_property])), "idProperty": id_property,
                 "inputs": [{"id": v} for v in chunk]},
            )
            for record in _results(body, "a batch read"):
                value = str((record.get("properties") or {}).get(id_property) or "")
                found[value.lower()] = record
        return found

    def search_in(
        self, object_type: str, property_name: str, values: Sequence[str], properties: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Records whose property is one of the values (HubSpot compares case-insensitively; callers
        that need exact matches check again). https://developers.hubspot.com/docs/api/crm/search
        (`IN`, ≤ 100 values per filter, pages of ≤ 200)."""
        self.session.begin()
        results: list[dict[str, Any]] = []
        for chunk in _chunks(list(dict.fromkeys(v for v in values if v)), 100):
            after: str | None = None
            while True:
                query: dict[str, Any] = {
                    "filterGroups": [{"filters": [
                        {"propertyName": property_name, "operator": "IN", "values": list(chunk)}]}],
                    "properties": list(dict.fromkeys([*properties, property_name])),
                    "limit": SEARCH_PAGE_MAX,
                }
                if after:
                    query["after"] = after
                page = self._post(f"/crm/v3/objects/{object_type}/search", query, bucket=SEARCH)
                results.extend(_results(page, "a search"))
                after = ((page.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
        return results

    def archive(self, object_type: str, ids: Sequence[str]) -> None:
        """Archives records (≤ 100 per call); archiving an already archived id is not an error.

        https://developers.hubspot.com/docs/api/crm/objects (POST .../batch/archive, answers 204).
        """
        self.session.begin()
        for chunk in _chunks(list(dict.fromkeys(str(i) for i in ids)), BATCH_MAX):
            self.session.request(
                "POST", f"{self.base}/crm/v3/objects/{object_type}/batch/archive", buckets=(GENERAL,),
                json_body={"inputs": [{"id": i} for i in chunk]}, idempotent=True,
            )
