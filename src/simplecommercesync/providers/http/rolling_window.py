"""Rolling-window hit counters for the shared rate limiter: in one process, or in Redis for every
process on every machine.

A hit is one entry whose score is the latest moment its request can have reached the provider;
it counts until `score + window`. The limiter adds an entry when it grants a slot, scored
`grant + slack` (the request has not left yet), and lowers the score to the moment the response
came back (`finish`): the provider counted the request somewhere in between, so a new grant at or
after `score + window` can never land inside the provider's window with it. Windows and slacks
are in seconds and may be fractional.

Clocks: the memory store uses `time.monotonic()`. The Redis store reads Redis' own `TIME` inside
its scripts, for the grant as for the finish, so processes on machines whose clocks disagree
still share one timeline; every caller receives waits as durations, never as timestamps.
"""

from __future__ import annotations

import contextlib
import heapq
import math
import threading
import time
from collections.abc import Sequence
from typing import Protocol

import redis


class WindowStore(Protocol):
    def hit(self, key: str, limit: int, window_s: float, slack_s: float, member: str) -> float:
        """Adds `member` if the window holds fewer than `limit` hits: 0.0 then, otherwise the
        seconds until its oldest hit leaves (nothing added)."""
        ...

    def count(self, key: str, window_s: float) -> int: ...

    def later(self, keys: Sequence[str], member: str, slack_s: Sequence[float]) -> None:
        """Raises the member's score in each key to now + its slack (its request leaves only now)."""
        ...

    def finish(self, keys: Sequence[str], member: str) -> None:
        """Lowers the member's score in each key to now (its response is back)."""
        ...

    def forget(self, keys: Sequence[str], member: str) -> None:
        """Drops the member: its request was never sent."""
        ...


class _Window:
    __slots__ = ("heap", "scores")

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        # (score, member), lazily cleaned: a tuple whose score no longer matches `scores` is stale.
        self.heap: list[tuple[float, str]] = []

    def purge(self, older_than: float) -> None:
        heap, scores = self.heap, self.scores
        while heap:
            score, member = heap[0]
            if scores.get(member) != score:
                heapq.heappop(heap)
            elif score <= older_than:
                heapq.heappop(heap)
                del scores[member]
            else:
                break

    def move(self, member: str, score: float) -> None:
        if member in self.scores:
            self.scores[member] = score
            heapq.heappush(self.heap, (score, member))


class MemoryWindows:
    """Every window of one process, under one lock."""

    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def _window(self, key: str) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window()
        return window

    def hit(self, key: str, limit: int, window_s: float, slack_s: float, member: str) -> float:
        with self._lock:
            now = time.monotonic()
            window = self._window(key)
            window.purge(now - window_s)
            if len(window.scores) < limit:
                window.scores[member] = now + slack_s
                heapq.heappush(window.heap, (now + slack_s, member))
                return 0.0
            return max(window.heap[0][0] + window_s - now, 1e-6)

    def count(self, key: str, window_s: float) -> int:
        with self._lock:
            window = self._window(key)
            window.purge(time.monotonic() - window_s)
            return len(window.scores)

    def later(self, keys: Sequence[str], member: str, slack_s: Sequence[float]) -> None:
        with self._lock:
            now = time.monotonic()
            for key, slack in zip(keys, slack_s, strict=True):
                window = self._window(key)
                if window.scores.get(member, math.inf) < now + slack:
                    window.move(member, now + slack)

    def finish(self, keys: Sequence[str], member: str) -> None:
        with self._lock:
            now = time.monotonic()
            for key in keys:
                window = self._window(key)
                if window.scores.get(member, -math.inf) > now:
                    window.move(member, now)

    def forget(self, keys: Sequence[str], member: str) -> None:
        with self._lock:
            for key in keys:
                # Its heap tuple turns stale and is dropped when it reaches the top.
                self._window(key).scores.pop(member, None)


# Times are milliseconds from Redis' TIME, written with string.format: Lua's own number-to-string
# keeps 14 digits, which would round a millisecond timestamp to 0.1 ms at best.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.3f', now - window))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], string.format('%.3f', now + tonumber(ARGV[3])), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) * 1000))
"""

_COUNT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.3f', now - tonumber(ARGV[1])))
return redis.call('ZCARD', KEYS[1])
"""

# ARGV[1] member, ARGV[2] 'later' or 'sooner', ARGV[2 + i] the offset in ms for KEYS[i].
_MOVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
for i, key in ipairs(KEYS) do
  local score = redis.call('ZSCORE', key, ARGV[1])
  if score then
    local target = now + tonumber(ARGV[2 + i])
    score = tonumber(score)
    if (ARGV[2] == 'later' and target > score) or (ARGV[2] == 'sooner' and target < score) then
      redis.call('ZADD', key, 'XX', string.format('%.3f', target), ARGV[1])
    end
  end
end
return 0
"""


class RedisWindows:
    """Every window in Redis: one sorted set per key, members scored in Redis-clock milliseconds."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._hit = client.register_script(_HIT)
        self._count = client.register_script(_COUNT)
        self._move = client.register_script(_MOVE)

    def hit(self, key: str, limit: int, window_s: float, slack_s: float, member: str) -> float:
        # The key outlives its newest possible entry, then disappears on its own.
        ttl_ms = math.ceil((window_s + slack_s) * 1000) + 1000
        wait_us = self._hit(keys=[key], args=[limit, window_s * 1000, slack_s * 1000, member, ttl_ms])
        return int(wait_us) / 1_000_000

    def count(self, key: str, window_s: float) -> int:
        return int(self._count(keys=[key], args=[window_s * 1000]))

    def later(self, keys: Sequence[str], member: str, slack_s: Sequence[float]) -> None:
        if keys:
            self._move(keys=list(keys), args=[member, "later", *(s * 1000 for s in slack_s)])

    def finish(self, keys: Sequence[str], member: str) -> None:
        if not keys:
            return
        # Unfinished, the entry keeps its provisional score (grant + slack): it only holds the
        # slot a little longer, which is no reason to fail a request that already succeeded.
        with contextlib.suppress(redis.RedisError):
            self._move(keys=list(keys), args=[member, "sooner", *(0 for _ in keys)])

    def forget(self, keys: Sequence[str], member: str) -> None:
        if not keys:
            return
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.zrem(key, member)
        # Called while another error propagates; kept, the hits only expire as if sent.
        with contextlib.suppress(redis.RedisError):
            pipe.execute()
