"""Rolling-window and concurrency limits, keyed by tenant (portal or company)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass


def scaled(limit: int, scale: float) -> int:
    return max(1, round(limit * scale))


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float
    window_ms: int


class RollingWindowLimiter:
    """At most `limit` hits per key in any `window_s` seconds (a true rolling window, like HubSpot's)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        now = time.monotonic()
        window_ms = int(self.window_s * 1000)
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = hits[0] + self.window_s - now
                return RateDecision(False, self.limit, 0, max(retry_after, 0.0), window_ms)
            hits.append(now)
            return RateDecision(True, self.limit, self.limit - len(hits), 0.0, window_ms)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class ConcurrencyLimiter:
    """At most `limit` requests in flight per key."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def try_acquire(self, key: str) -> bool:
        with self._lock:
            if self._in_flight[key] >= self.limit:
                return False
            self._in_flight[key] += 1
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] = max(0, self._in_flight[key] - 1)

    def reset(self) -> None:
        with self._lock:
            self._in_flight.clear()
