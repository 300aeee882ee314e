"""The shared request budget: waits instead of failing, never exceeds a bucket across threads
and processes (Redis), stays inside the provider's window however late requests arrive there
(within the slack), honours fractional windows, frees in-flight places a dead worker held, and
Retry-After parsing."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import redis

from emulator_core.ratelimit import RollingWindowLimiter
from emulator_core.server import ServerThread
from simplecommercesync.providers.http.call_policy import retry_after_seconds
from simplecommercesync.providers.http.rate_limits import (
    Bucket,
    LimiterBusy,
    ProviderLimiter,
    ProviderLimits,
    window_slack_s,
)
from simplecommercesync.providers.hubspot.crm import HubSpotCrm
from simplecommercesync.providers.hubspot.limits import HUBSPOT_LIMITS, SEARCH
from simplecommercesync.providers.quickbooks.limits import QUICKBOOKS_LIMITS
from tests.product.provider_client_kit import Emulator, TokenStub

REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to test the shared Redis budget")
FIVE_PER_SECOND = ProviderLimits("test", (Bucket("calls", 5, 1),), max_in_flight=2)


def most_in_any_window(stamps: list[float], window_s: float) -> int:
    ordered = sorted(stamps)
    return max(sum(1 for s in ordered[i:] if s < start + window_s) for i, start in enumerate(ordered))


@pytest.fixture(params=["memory", "redis"])
def storage_url(request: pytest.FixtureRequest) -> str | None:
    """Each window test runs on the in-process store and, given TEST_REDIS_URL, on Redis."""
    if request.param == "memory":
        return None
    if not REDIS_URL:
        pytest.skip("set TEST_REDIS_URL to test the shared Redis budget")
    return REDIS_URL


def test_scaling_multiplies_every_bucket_and_the_in_flight_cap() -> None:
    scaled = QUICKBOOKS_LIMITS.scaled(10)
    assert [(b.name, b.amount, b.per_seconds) for b in scaled.buckets] == [
        ("requests", 5000, 60),
        ("batches", 400, 60),
    ]
    assert scaled.max_in_flight == 100
    assert HUBSPOT_LIMITS.scaled(0.01).bucket(SEARCH).amount == 1


def test_the_limiter_waits_for_room_instead_of_failing() -> None:
    limiter = ProviderLimiter(FIVE_PER_SECOND, f"acct-{uuid.uuid4().hex}")
    stamps: list[float] = []
    started = time.monotonic()
    for _ in range(12):
        with limiter.slot("calls"):
            stamps.append(time.time())

    assert time.monotonic() - started >= 2.0
    assert most_in_any_window(stamps, 1.0) <= 5


def test_a_budget_full_for_longer_than_the_caller_waits_raises_limiter_busy() -> None:
    limiter = ProviderLimiter(FIVE_PER_SECOND, f"acct-{uuid.uuid4().hex}", max_wait_s=0.2)
    for _ in range(5):
        with limiter.slot("calls"):
            pass

    with pytest.raises(LimiterBusy) as busy, limiter.slot("calls"):
        pass

    assert 0 < busy.value.retry_after <= 1.1


def test_the_in_flight_cap_within_one_process() -> None:
    limits = ProviderLimits("test", (Bucket("calls", 100, 1),), max_in_flight=3)
    limiter = ProviderLimiter(limits, f"acct-{uuid.uuid4().hex}")
    inside = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with limiter.slot("calls"):
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most == 3


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.25", 0.25), ("120", 60.0), ("-4", 0.0), ("soon", 10.0), (None, 10.0)],
)
def test_retry_after_in_seconds_is_capped(header: str | None, expected: float) -> None:
    assert retry_after_seconds(header, default=10.0, cap=60.0) == expected


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)

    assert retry_after_seconds(header, default=1.0, cap=60.0, now=now) == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(hours=1), usegmt=True), 1.0, 60.0, now) == 60.0


def _hit_from_another_process(redis_url: str, account: str, hits: int, out: multiprocessing.Queue) -> None:
    limiter = ProviderLimiter(FIVE_PER_SECOND, account, storage_url=redis_url)
    # The first Redis call of a process also loads the Lua script; do it before timing anything.
    with ProviderLimiter(FIVE_PER_SECOND, f"{account}-warm-up", storage_url=redis_url).slot("calls"):
        pass
    stamps = []
    for _ in range(hits):
        with limiter.slot("calls"):
            stamps.append(time.time())
    out.put(stamps)


@needs_redis
def test_two_processes_share_one_budget_on_redis() -> None:
    assert REDIS_URL
    account = f"acct-{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = context.Queue()
    workers = [
        context.Process(target=_hit_from_another_process, args=(REDIS_URL, account, 8, out)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    stamps = [s for _ in workers for s in out.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=10)

    assert len(stamps) == 16
    # Stamps are taken after each grant, on a shared 2-core machine: allow scheduling jitter.
    assert most_in_any_window(stamps, 0.9) <= 5
    # Alone, each process would finish its 8 in about 1 s; sharing 5/s, 16 take over 2 s.
    assert max(stamps) - min(stamps) >= 2.0


@needs_redis
def test_in_flight_places_held_by_a_dead_worker_come_back_after_their_lease() -> None:
    assert REDIS_URL
    account = f"acct-{uuid.uuid4().hex}"
    dead = ProviderLimiter(FIVE_PER_SECOND, account, storage_url=REDIS_URL, in_flight_lease_s=0.5)
    assert dead._slots is not None
    # Two places taken and never released, as by a worker killed mid-request.
    assert dead._slots.acquire(0) and dead._slots.acquire(0)
    alive = ProviderLimiter(FIVE_PER_SECOND, account, storage_url=REDIS_URL, max_wait_s=3)

    started = time.monotonic()
    with alive.slot("calls"):
        waited = time.monotonic() - started

    assert 0.3 <= waited < 2.0
    redis.Redis.from_url(REDIS_URL).delete(f"scs:in-flight:test:{account}")


@pytest.fixture(scope="module")
def hubspot() -> Iterator[Emulator]:
    from hubspot_emulator import EmulatorConfig, create_app

    with ServerThread(create_app(EmulatorConfig(seed="demo"))) as server:
        yield Emulator(server.url)


@needs_redis
def test_two_workers_on_redis_keep_hubspot_search_under_its_5_per_second(hubspot: Emulator) -> None:
    assert REDIS_URL
    hubspot.reset()
    portal = 2468101
    token = hubspot.control("POST", f"/portals/{portal}/private-app-token")["token"]
    # Each worker has its own limiter object: only Redis can make them share the budget.
    account = f"{portal}-{uuid.uuid4().hex[:6]}"
    since = datetime.now(UTC) - timedelta(days=3650)
    done: list[int] = []

    def worker() -> None:
        crm = HubSpotCrm(
            api_base_url=hubspot.url,
            portal_id=portal,
            tokens=TokenStub(token),
            limiter=ProviderLimiter(HUBSPOT_LIMITS, account, storage_url=REDIS_URL),
        )
        for _ in range(7):
            done.append(len(list(crm.search_modified_since("invoices", since, ["hs_number"]))))

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(done) == 14 and all(done)
    assert hubspot.calls("POST /crm/v3/objects/invoices/search", 200) == 14
    # Two budgets in memory would send 10/s; a grant and its send can
    # still straddle HubSpot's window edge by a few ms on a loaded machine (then retried).
    assert hubspot.calls("POST /crm/v3/objects/invoices/search", 429) <= 2
    assert time.monotonic() - started >= 2.0  # 14 searches at 5 per second


def test_requests_arriving_late_never_overrun_the_providers_window(storage_url: str | None) -> None:
    """Hits granted by our limiter reach an emulator-style strict rolling window after a random
    delay of up to 0.2 s (under the 0.25 s slack of a 1-second window), and answer up to 0.3 s
    later still: the provider never sees more than 5 in a second. Counted at the grant with a
    fixed 30 ms pad (the limiter before), 10 of 100 such requests drew a 429."""
    limits = ProviderLimits("test", (Bucket("calls", 5, 1),))
    assert window_slack_s(1) == 0.25
    provider = RollingWindowLimiter(5, 1.0)
    account = f"acct-{uuid.uuid4().hex}"
    shared = ProviderLimiter(limits, account, storage_url=storage_url)
    arrivals: list[float] = []
    refused: list[float] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        # On Redis every thread has its own limiter, as separate processes would.
        limiter = ProviderLimiter(limits, account, storage_url=storage_url) if storage_url else shared
        jitter = random.Random(seed)
        for _ in range(6):
            with limiter.slot("calls"):
                time.sleep(jitter.uniform(0, 0.2))
                decision = provider.hit(account)
                with lock:
                    (arrivals if decision.allowed else refused).append(time.monotonic())
                time.sleep(jitter.uniform(0, 0.3))

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(arrivals) + len(refused) == 30
    assert refused == []
    assert most_in_any_window(arrivals, 1.0) <= 5


def test_a_fractional_window_is_honoured(storage_url: str | None) -> None:
    """3 per 1.5 s: the fourth request waits 1.5 s after the first one's response, not 1 s."""
    limits = ProviderLimits("test", (Bucket("calls", 3, 1.5),))
    limiter = ProviderLimiter(limits, f"acct-{uuid.uuid4().hex}", storage_url=storage_url)
    done: list[float] = []
    for _ in range(3):
        with limiter.slot("calls"):
            pass
        done.append(time.monotonic())
    assert limiter.remaining("calls") == 0

    with limiter.slot("calls"):
        granted = time.monotonic()

    # (A hair under 1.5: `done` is read just after the response was stamped.)
    assert 1.49 <= granted - done[0] < 1.5 + window_slack_s(1.5)


def test_a_request_still_unanswered_after_the_slack_frees_its_slot_at_grant_plus_slack(
    storage_url: str | None,
) -> None:
    """A hit counts for a window from its response, or from grant + slack if that is sooner: a
    slow request still reached the provider within the slack, and no longer holds the budget."""
    limits = ProviderLimits("test", (Bucket("calls", 1, 1),))
    slack = window_slack_s(1)
    waits = []
    for answer_s in (0.05, 0.6):
        limiter = ProviderLimiter(limits, f"acct-{uuid.uuid4().hex}", storage_url=storage_url)
        with limiter.slot("calls"):
            granted = time.monotonic()
            time.sleep(answer_s)
        with limiter.slot("calls"):
            waits.append(time.monotonic() - granted)

    fast, slow = waits
    assert 1.04 <= fast < 1.05 + 0.15
    assert 0.99 + slack <= slow < 1.0 + slack + 0.15


def test_a_wait_for_another_bucket_does_not_spend_the_slack(storage_url: str | None) -> None:
    """A hit granted in one bucket while the request then waits for another counts from when
    the request really leaves: it still holds its slot a window after that."""
    limits = ProviderLimits("test", (Bucket("wide", 10, 1), Bucket("narrow", 1, 1)))
    limiter = ProviderLimiter(limits, f"acct-{uuid.uuid4().hex}", storage_url=storage_url)
    with limiter.slot("narrow"):
        pass
    started = time.monotonic()
    with limiter.slot("wide", "narrow"):
        assert time.monotonic() - started >= 0.9  # the "wide" hit waited for "narrow"
    time.sleep(0.5)

    # Sent about 1 s after its "wide" grant, answered at once: counted until about 1 s from now.
    assert limiter.remaining("wide") == 9


def test_a_request_refused_an_in_flight_place_gives_its_hits_back(storage_url: str | None) -> None:
    limits = ProviderLimits("test", (Bucket("calls", 100, 1),), max_in_flight=1)
    account = f"acct-{uuid.uuid4().hex}"
    holder = ProviderLimiter(limits, account, storage_url=storage_url)
    other = holder if storage_url is None else ProviderLimiter(limits, account, storage_url=storage_url)
    other.max_wait_s = 0.1
    with holder.slot("calls"):
        with pytest.raises(LimiterBusy), other.slot("calls"):
            pass
        assert holder.remaining("calls") == 99
