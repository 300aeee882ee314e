"""One Redis client per URL in each process: a client holds a connection pool, so the locks of
every module share it instead of opening one pool each."""

from __future__ import annotations

from functools import cache

import redis


@cache
def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)
