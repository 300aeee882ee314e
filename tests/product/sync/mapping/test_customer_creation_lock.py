"""The lock around "no QuickBooks customer yet → create it", on real Redis: a live holder keeps
it for as long as it works, a holder killed with -9 frees it within seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from simplecommercesync.sync.mapping import customer_creation
from simplecommercesync.sync.mapping.customer_creation import customer_creation_lock

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to test the Redis lock")
KEY = "scs:customer-creation:{workspace}:9130"

HOLDER = """
import sys, time
from django.conf import settings
settings.configure(SCS_REDIS_URL=sys.argv[1], SCS_VAR_DIR=sys.argv[2])
from simplecommercesync.sync.mapping import customer_creation
customer_creation.HOLD_SECONDS = float(sys.argv[4])
with customer_creation.customer_creation_lock(int(sys.argv[3]), "9130"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def lock_redis(settings: Any, monkeypatch: pytest.MonkeyPatch) -> redis.Redis:
    settings.SCS_REDIS_URL = REDIS_URL
    monkeypatch.setattr(customer_creation, "HOLD_SECONDS", 0.9)
    return redis.Redis.from_url(REDIS_URL)


def test_a_holder_killed_mid_create_frees_the_lock_within_seconds(lock_redis: redis.Redis, tmp_path: Path) -> None:
    workspace = 910_001
    lock_redis.delete(KEY.format(workspace=workspace))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, REDIS_URL, str(tmp_path), str(workspace), "0.9"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        time.sleep(2)  # more than twice its life: the holder's renewals keep it
        assert lock_redis.exists(KEY.format(workspace=workspace))
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        started = time.monotonic()
        with customer_creation_lock(workspace, "9130"):
            waited = time.monotonic() - started
    finally:
        if holder.poll() is None:
            holder.kill()
    assert waited < 2, f"waited {waited:.1f} s for a dead holder's lock"


def test_a_live_holder_keeps_the_lock_past_its_life_and_frees_it_when_done(lock_redis: redis.Redis) -> None:
    workspace = 910_002
    key = KEY.format(workspace=workspace)
    lock_redis.delete(key)
    inside = threading.Event()
    order: list[str] = []

    def hold() -> None:
        with customer_creation_lock(workspace, "9130"):
            inside.set()
            time.sleep(3)  # three lock lives
            order.append("first done")

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    with customer_creation_lock(workspace, "9130"):
        order.append("second in")
    holder.join()
    assert order == ["first done", "second in"]
    assert not lock_redis.exists(key)
