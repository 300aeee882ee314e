"""QuickBooksAccounting against the QuickBooks emulator over real HTTP: paging, requestid
replay, batches, throttles (JSON and XML), the in-flight cap, typed Faults, the token refresh."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from emulator_core.server import ServerThread
from simplecommercesync.providers.http.call_policy import CallPolicy
from simplecommercesync.providers.http.errors import Unauthorized, Unreachable
from simplecommercesync.providers.http.failures import NotFound, ValidationFailed
from simplecommercesync.providers.http.rate_limits import ProviderLimiter
from simplecommercesync.providers.quickbooks.accounting import BatchOperation, QuickBooksAccounting
from simplecommercesync.providers.quickbooks.limits import QUICKBOOKS_LIMITS
from tests.product.provider_client_kit import Emulator, TokenStub

REALM = "9341453050011001"
FAST = CallPolicy(backoff_multiplier_s=0.05, backoff_max_s=0.2)


def start_quickbooks(**options: object) -> ServerThread:
    from quickbooks_emulator.app import create_app
    from quickbooks_emulator.config import EmulatorConfig

    return ServerThread(create_app(EmulatorConfig(seed="demo", **options))).start()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def quickbooks() -> Iterator[Emulator]:
    server = start_quickbooks()
    yield Emulator(server.url)
    server.stop()


@pytest.fixture
def emulator(quickbooks: Emulator) -> Emulator:
    quickbooks.reset()
    return quickbooks


def company_token(emulator: Emulator) -> str:
    return str(emulator.control("POST", f"/companies/{REALM}/token")["access_token"])


def accounting_for(
    emulator: Emulator, tokens: TokenStub | None = None, limiter: ProviderLimiter | None = None
) -> QuickBooksAccounting:
    return QuickBooksAccounting(
        api_base_url=emulator.url,
        realm_id=REALM,
        tokens=tokens or TokenStub(company_token(emulator)),
        limiter=limiter or ProviderLimiter(QUICKBOOKS_LIMITS, REALM),
        policy=FAST,
    )


@pytest.fixture
def qbo(emulator: Emulator) -> QuickBooksAccounting:
    return accounting_for(emulator)


def customer(name: str) -> dict[str, object]:
    return {"DisplayName": name, "PrimaryEmailAddr": {"Address": f"{uuid.uuid4().hex[:8]}@example.com"}}


def count(qbo: QuickBooksAccounting, entity: str, where: str) -> int:
    return len(list(qbo.query(entity, where)))


def test_query_pages_with_startposition_until_a_short_page(
    emulator: Emulator, qbo: QuickBooksAccounting
) -> None:
    operations = [BatchOperation("create", "Customer", customer(f"Paged {n}")) for n in range(45)]
    qbo.batch(operations, request_id="paging-setup")

    everyone = list(qbo.query("Customer", page_size=10))

    ids = [c["Id"] for c in everyone]
    assert len(ids) == len(set(ids)) >= 45
    assert emulator.calls(f"GET /v3/company/{REALM}/query") == len(ids) // 10 + 1


def test_quote_escapes_quotes_and_backslashes_for_the_query_language(qbo: QuickBooksAccounting) -> None:
    name = "O'Brien \\ Sons"
    made = qbo.create("Customer", customer(name), request_id="quote-1")

    found = list(qbo.query("Customer", f"DisplayName = {QuickBooksAccounting.quote(name)}"))

    assert [c["Id"] for c in found] == [made["Id"]]
    assert QuickBooksAccounting.quote("it's") == "'it\\'s'"


def test_the_same_request_id_returns_the_first_result_instead_of_a_duplicate(
    qbo: QuickBooksAccounting,
) -> None:
    first = qbo.create("Customer", customer("Replay Ltd"), request_id="replay-1")
    again = qbo.create("Customer", customer("Replay Ltd"), request_id="replay-1")

    assert again["Id"] == first["Id"]
    assert count(qbo, "Customer", "DisplayName = 'Replay Ltd'") == 1


def test_a_write_whose_answer_was_lost_is_retried_without_a_duplicate(emulator: Emulator) -> None:
    # The first attempt reaches QuickBooks but answers after our timeout; the retry carries the
    # same requestid, so whichever lands second replays the first.
    emulator.fault(path_regex=f"^/v3/company/{REALM}/customer$", method="POST", delay_s=1.0)
    qbo = QuickBooksAccounting(
        api_base_url=emulator.url,
        realm_id=REALM,
        tokens=TokenStub(company_token(emulator)),
        limiter=ProviderLimiter(QUICKBOOKS_LIMITS, REALM),
        timeout=0.4,
        policy=FAST,
    )

    made = qbo.create("Customer", customer("Slow Answer Co"), request_id="lost-answer-1")
    time.sleep(1.0)  # let the delayed first attempt finish on the emulator

    assert made["DisplayName"] == "Slow Answer Co"
    assert count(qbo, "Customer", "DisplayName = 'Slow Answer Co'") == 1
    assert emulator.calls(f"POST /v3/company/{REALM}/customer") == 2


def test_update_needs_the_current_sync_token(qbo: QuickBooksAccounting) -> None:
    made = qbo.create("Customer", customer("Stale Token Inc"), request_id="stale-1")
    qbo.update(
        "Customer",
        {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "CompanyName": "Fresh"},
        request_id="stale-2",
    )

    with pytest.raises(ValidationFailed) as stale:
        qbo.update(
            "Customer",
            {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "CompanyName": "Old"},
            request_id="stale-3",
        )

    assert stale.value.code == "5010"
    assert qbo.read("Customer", made["Id"])["CompanyName"] == "Fresh"


def test_batch_sends_30_per_call_keeps_order_and_types_each_fault(
    emulator: Emulator, qbo: QuickBooksAccounting
) -> None:
    taken = qbo.create("Customer", customer("Taken Name"), request_id="batch-taken")
    operations = [BatchOperation("create", "Customer", customer(f"Batch {n}")) for n in range(64)]
    operations.insert(40, BatchOperation("create", "Customer", customer("Taken Name")))
    operations.append(BatchOperation("query", query="SELECT * FROM Customer WHERE DisplayName = 'Batch 3'"))

    outcomes = qbo.batch(operations, request_id="batch-run-1")

    assert emulator.calls(f"POST /v3/company/{REALM}/batch") == 3
    assert [o.index for o in outcomes] == list(range(66))
    refused = [o for o in outcomes if not o.ok]
    assert [o.index for o in refused] == [40]
    assert refused[0].failure is not None and refused[0].failure.code == "6240"
    assert "Taken Name" in refused[0].failure.message or refused[0].failure.detail
    assert outcomes[0].result is not None and outcomes[0].result["DisplayName"] == "Batch 0"
    assert outcomes[-1].result is not None and outcomes[-1].result["Customer"][0]["DisplayName"] == "Batch 3"
    assert taken["Id"] not in {o.result["Id"] for o in outcomes[:-1] if o.result}

    again = qbo.batch(operations, request_id="batch-run-1")

    assert [o.result["Id"] for o in again[:-1] if o.result] == [
        o.result["Id"] for o in outcomes[:-1] if o.result
    ]
    assert count(qbo, "Customer", "DisplayName = 'Batch 7'") == 1


def test_validation_faults_are_not_retried_and_keep_intuits_words(
    emulator: Emulator, qbo: QuickBooksAccounting
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        qbo.create("Invoice", {"Line": []}, request_id="bad-invoice-1")

    assert refused.value.code
    assert refused.value.message
    assert refused.value.request_id  # intuit_tid, for a support ticket
    assert emulator.calls(f"POST /v3/company/{REALM}/invoice") == 1


def test_reading_a_missing_entity_is_not_found(qbo: QuickBooksAccounting) -> None:
    with pytest.raises(NotFound) as missing:
        qbo.read("Customer", "99999999")

    assert missing.value.code == "610"


def test_throttles_and_server_errors_are_retried_honouring_retry_after(
    emulator: Emulator, qbo: QuickBooksAccounting
) -> None:
    emulator.fault(path_regex="/companyinfo/", status=429, times=2, headers={"Retry-After": "1"})
    emulator.fault(path_regex="/companyinfo/", status=503, times=1)
    started = time.monotonic()

    info = qbo.company_info()

    assert info["CompanyName"]
    assert time.monotonic() - started >= 2.0
    route = f"GET /v3/company/{REALM}/companyinfo/{REALM}"
    assert (emulator.calls(route, 429), emulator.calls(route, 503), emulator.calls(route, 200)) == (2, 1, 1)
    assert len(qbo.last_request_ids) == 4


def test_an_xml_throttle_is_judged_by_its_status_and_the_in_flight_cap_holds() -> None:
    # At ×0.1 the emulator allows one request at a time and answers throttles in XML; our
    # limiter (10 in flight) lets two through, so one gets the XML 429 and must wait it out.
    server = start_quickbooks(rate_limit_scale=0.1, throttle_xml=True, latency_ms=300)
    try:
        emulator = Emulator(server.url)
        qbo = accounting_for(emulator)
        answers: list[str] = []

        def read_preferences() -> None:
            answers.append(str(qbo.preferences().get("Id", "ok")))

        threads = [threading.Thread(target=read_preferences) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert len(answers) == 2
        assert emulator.calls(f"GET /v3/company/{REALM}/preferences", 429) >= 1
    finally:
        server.stop()


def test_ten_in_flight_at_most_so_quickbooks_never_throttles_a_burst() -> None:
    server = start_quickbooks(latency_ms=250)
    try:
        emulator = Emulator(server.url)
        qbo = accounting_for(emulator)
        errors: list[BaseException] = []

        def read_info() -> None:
            try:
                qbo.company_info()
            except BaseException as exc:
                errors.append(exc)

        started = time.monotonic()
        threads = [threading.Thread(target=read_info) for _ in range(25)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert errors == []
        assert emulator.calls_with_status(429) == 0
        assert time.monotonic() - started >= 0.75  # three waves of ≤ 10
    finally:
        server.stop()


def test_a_401_refreshes_the_token_once_and_retries(emulator: Emulator) -> None:
    tokens = TokenStub("expired-token", fresh=lambda: company_token(emulator))
    qbo = accounting_for(emulator, tokens)

    assert qbo.preferences()

    assert tokens.refused == ["expired-token"]
    assert emulator.calls(f"GET /v3/company/{REALM}/preferences", 401) == 1


def test_a_second_401_is_final(emulator: Emulator) -> None:
    tokens = TokenStub("expired-token", fresh=lambda: "still-expired")
    qbo = accounting_for(emulator, tokens)

    with pytest.raises(Unauthorized):
        qbo.preferences()

    assert emulator.calls(f"GET /v3/company/{REALM}/preferences") == 2


def test_cdc_lists_what_changed_since(qbo: QuickBooksAccounting) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    made = qbo.create("Customer", customer("Changed Lately"), request_id="cdc-1")

    changed = qbo.cdc(["Customer", "Invoice"], since)

    assert made["Id"] in {c["Id"] for c in changed["Customer"]}
    assert "Invoice" in changed


def test_an_answer_without_its_response_part_is_trouble_not_nothing(
    emulator: Emulator, qbo: QuickBooksAccounting
) -> None:
    """A proxy answering 200 `{}` must not read as "no such customer" (a duplicate would follow) nor,
    for a batch, as "no item answered" (the writes may have happened)."""
    emulator.fault(path_regex=r"/query$", status=200, body={}, times=1)
    with pytest.raises(Unreachable, match="without its QueryResponse"):
        count(qbo, "Customer", "Active = true")
    assert count(qbo, "Customer", "Active = true") > 0

    emulator.fault(path_regex=r"/batch$", status=200, body={"time": "2026-11-27T00:00:00Z"}, times=1)
    with pytest.raises(Unreachable) as batch:
        qbo.batch([BatchOperation("create", "Customer", customer("Lost answer"))], request_id=uuid.uuid4().hex)
    assert batch.value.maybe_processed
