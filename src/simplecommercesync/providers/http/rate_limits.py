"""One request budget per provider account (HubSpot portal, QuickBooks company), shared by every
worker: rolling-window buckets (`rolling_window`) plus an optional in-flight cap.

Storage is in-process by default, so all threads of one process share a budget; with
`SCS_REDIS_URL` set every process on every machine shares it. The limiter waits for capacity
(bounded by `max_wait_s`) instead of failing, because a 429 costs more than a short pause.

The provider counts a request when it arrives, some variable delay after we granted its slot.
So our window is longer than the provider's: a hit holds its slot for the provider's window
after its response came back, but at most `window_slack_s(window)` after the grant (a request
still unanswered by then reached the provider long before, unless it took longer than the slack
to get there). Two hits N apart are then at least a window apart at the provider too.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

import redis
from django.conf import settings

from simplecommercesync.providers.http.errors import RateLimited
from simplecommercesync.providers.http.rolling_window import MemoryWindows, RedisWindows, WindowStore

# How late after its grant a request may still reach the provider and be counted there. A hit
# whose response is back frees its slot one window after the response; one still in flight is
# assumed to have arrived by grant + slack. Between our process and the provider lie a connection
# from the pool or a new TLS handshake, the network (tens to a few hundred ms to HubSpot or
# Intuit) and the provider's own queueing, and on a loaded machine a thread not yet scheduled:
# half a second covers that. It costs throughput only for requests slower than the slack (a fast
# request costs its own round trip, whatever the slack), and for those at most slack/(window +
# slack): 4.8% of HubSpot's 10-second bucket, 0.8% of QuickBooks' minute. A quarter of the window
# caps it for short windows: HubSpot's 1-second search bucket gets 0.25 s, so 5 searches that
# each take over 250 ms run at 4 a second instead of drawing 429s.
WINDOW_SLACK_MAX_S = 0.5
WINDOW_SLACK_FRACTION = 0.25
# A grant older than this when the request finally leaves (it then waited for another bucket or
# an in-flight place) is re-stamped, so that wait does not eat into the slack.
RESTAMP_AFTER_S = 0.005


def window_slack_s(window_s: float) -> float:
    return min(WINDOW_SLACK_MAX_S, window_s * WINDOW_SLACK_FRACTION)


@dataclass(frozen=True)
class Bucket:
    """At most `amount` requests in any rolling `per_seconds` seconds (fractions allowed)."""

    name: str
    amount: int
    per_seconds: float


@dataclass(frozen=True)
class ProviderLimits:
    """A provider's published per-account limits, as data (each provider package declares one)."""

    provider: str
    buckets: tuple[Bucket, ...]
    max_in_flight: int | None = None
    # What to wait after a 429 that names no Retry-After.
    default_retry_after_s: float = 10.0

    def bucket(self, name: str) -> Bucket:
        for bucket in self.buckets:
            if bucket.name == name:
                return bucket
        raise KeyError(f"{self.provider} has no {name!r} rate-limit bucket")

    def scaled(self, scale: float) -> ProviderLimits:
        """The same limits multiplied (the benchmark runs the emulators at ×10)."""
        if scale == 1:
            return self
        return replace(
            self,
            buckets=tuple(replace(b, amount=max(1, round(b.amount * scale))) for b in self.buckets),
            max_in_flight=None if self.max_in_flight is None else max(1, round(self.max_in_flight * scale)),
        )


class LimiterBusy(RateLimited):
    """Our own budget stayed full for longer than the caller is willing to wait."""


class InFlightSlots(Protocol):
    def acquire(self, timeout_s: float) -> str | None: ...

    def release(self, ticket: str) -> None: ...


class ThreadSlots:
    """The in-flight cap inside one process."""

    def __init__(self, limit: int) -> None:
        self._semaphore = threading.BoundedSemaphore(limit)

    def acquire(self, timeout_s: float) -> str | None:
        return "held" if self._semaphore.acquire(timeout=max(timeout_s, 0)) else None

    def release(self, ticket: str) -> None:
        self._semaphore.release()


# Holders are members of a sorted set scored by when their lease runs out, so a worker killed
# while holding a slot frees it after `lease_s` instead of shrinking the cap for good.
_ACQUIRE_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""


class RedisSlots:
    """The in-flight cap across processes: a Redis semaphore whose holders expire."""

    POLL_S = 0.01

    def __init__(self, client: redis.Redis, key: str, limit: int, lease_s: float) -> None:
        self._client = client
        self._key = key
        self._limit = limit
        self._lease_s = lease_s
        self._acquire_script = client.register_script(_ACQUIRE_SLOT)

    def acquire(self, timeout_s: float) -> str | None:
        ticket = uuid.uuid4().hex
        deadline = time.monotonic() + max(timeout_s, 0)
        while True:
            now = time.time()
            granted = self._acquire_script(
                keys=[self._key],
                args=[now, now + self._lease_s, self._limit, ticket, int(self._lease_s * 2000)],
            )
            if granted == 1:
                return ticket
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.POLL_S)

    def release(self, ticket: str) -> None:
        self._client.zrem(self._key, ticket)


class ProviderLimiter:
    """The request budget of one provider account. Use `slot(...)` around every HTTP call."""

    def __init__(
        self,
        limits: ProviderLimits,
        account: str,
        *,
        storage_url: str | None = None,
        scale: float = 1.0,
        max_wait_s: float = 120.0,
        in_flight_lease_s: float = 120.0,
    ) -> None:
        self.limits = limits.scaled(scale)
        self.account = str(account)
        self.max_wait_s = max_wait_s
        self._buckets = {b.name: b for b in self.limits.buckets}
        client = redis.Redis.from_url(storage_url) if storage_url else None
        self._store: WindowStore = RedisWindows(client) if client is not None else MemoryWindows()
        self._slots: InFlightSlots | None = None
        if self.limits.max_in_flight is not None:
            if client is not None:
                self._slots = RedisSlots(
                    client,
                    f"scs:in-flight:{self.limits.provider}:{self.account}",
                    self.limits.max_in_flight,
                    in_flight_lease_s,
                )
            else:
                self._slots = ThreadSlots(self.limits.max_in_flight)

    @classmethod
    def shared(cls, limits: ProviderLimits, account: str) -> ProviderLimiter:
        """The limiter every caller in this process uses for the account, on Redis when
        `SCS_REDIS_URL` is set, scaled by `SCS_RATE_LIMIT_SCALE`."""
        storage_url: str | None = getattr(settings, "SCS_REDIS_URL", None)
        scale = float(getattr(settings, "SCS_RATE_LIMIT_SCALE", 1.0))
        key = (limits, str(account), storage_url, scale)
        with _SHARED_LOCK:
            limiter = _SHARED.get(key)
            if limiter is None:
                limiter = cls(limits, account, storage_url=storage_url, scale=scale)
                _SHARED[key] = limiter
            return limiter

    @contextmanager
    def slot(self, *bucket_names: str) -> Iterator[None]:
        """Waits until each named bucket has room (in the order given: put the scarcest first
        so a wait there spends nothing from the others), then for an in-flight place."""
        deadline = time.monotonic() + self.max_wait_s
        member = uuid.uuid4().hex
        keys: list[str] = []
        granted_at = 0.0
        ticket: str | None = None
        try:
            for name in bucket_names:
                keys.append(self._take(name, member, deadline))
                granted_at = granted_at or time.monotonic()
            if self._slots is not None:
                ticket = self._slots.acquire(deadline - time.monotonic())
                if ticket is None:
                    raise LimiterBusy(
                        f"{self.limits.provider} already has {self.limits.max_in_flight} requests "
                        f"in flight for {self.account}",
                        retry_after=1.0,
                    )
            if keys and time.monotonic() - granted_at > RESTAMP_AFTER_S:
                slacks = [window_slack_s(self._buckets[name].per_seconds) for name in bucket_names]
                self._store.later(keys, member, slacks)
        except BaseException:
            # Nothing was sent: the hits taken so far go back to the budget.
            self._store.forget(keys, member)
            raise
        try:
            yield
        finally:
            if ticket is not None and self._slots is not None:
                self._slots.release(ticket)
            self._store.finish(keys, member)

    def _key(self, name: str) -> str:
        return f"scs:window:{self.limits.provider}:{self.account}:{name}"

    def _take(self, name: str, member: str, deadline: float) -> str:
        bucket = self._buckets[name]
        key = self._key(name)
        slack = window_slack_s(bucket.per_seconds)
        while True:
            wait = self._store.hit(key, bucket.amount, bucket.per_seconds, slack, member)
            if wait == 0.0:
                return key
            if time.monotonic() + wait > deadline:
                raise LimiterBusy(
                    f"{self.limits.provider} {name} budget for {self.account} is used up",
                    retry_after=wait,
                )
            time.sleep(wait)

    def remaining(self, name: str) -> int:
        """Requests the bucket would allow now (for progress displays and tests)."""
        bucket = self._buckets[name]
        return max(bucket.amount - self._store.count(self._key(name), bucket.per_seconds), 0)


_SHARED: dict[tuple[Any, ...], ProviderLimiter] = {}
_SHARED_LOCK = threading.Lock()
