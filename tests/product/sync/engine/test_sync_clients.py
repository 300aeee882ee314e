"""The provider clients of a drain: one shared HTTP pool, closed when the drain ends, and rate
limits scaled by SCS_RATE_LIMIT_SCALE (the benchmark runs the emulators at ×10)."""

from __future__ import annotations

from typing import Any

import pytest

from simplecommercesync.config import ConfigError, load_config
from simplecommercesync.providers.http.rate_limits import ProviderLimiter
from simplecommercesync.providers.hubspot.limits import HUBSPOT_LIMITS
from simplecommercesync.sync.engine.drain import SyncContext, build_context
from simplecommercesync.sync.tasks import drain
from tests.product.sync.engine.test_sync_resilience import invoices_with_known_customer
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)


def test_rate_limit_scale_is_read_from_the_environment(tmp_path: Any) -> None:
    base = {"SCS_VAR_DIR": str(tmp_path)}
    assert load_config(base).rate_limit_scale == 1.0
    assert load_config({**base, "SCS_RATE_LIMIT_SCALE": "10"}).rate_limit_scale == 10.0
    for wrong in ("0", "-1", "ten", "inf"):
        with pytest.raises(ConfigError, match="SCS_RATE_LIMIT_SCALE"):
            load_config({**base, "SCS_RATE_LIMIT_SCALE": wrong})


def test_the_shared_limiter_keeps_to_the_scaled_limits(settings: Any) -> None:
    burst = HUBSPOT_LIMITS.buckets[0]
    settings.SCS_RATE_LIMIT_SCALE = 10.0
    scaled = ProviderLimiter.shared(HUBSPOT_LIMITS, "scale-test-portal")
    assert scaled.limits.bucket(burst.name).amount == burst.amount * 10
    settings.SCS_RATE_LIMIT_SCALE = 1.0
    plain = ProviderLimiter.shared(HUBSPOT_LIMITS, "scale-test-portal")
    assert plain.limits.bucket(burst.name).amount == burst.amount


@pytest.mark.integration
def test_a_drain_uses_one_http_pool_for_both_providers_and_closes_it(world: World) -> None:
    ids = invoices_with_known_customer(world, 2)
    opened: list[SyncContext] = []

    def context_factory(workspace_id: int, sync_type: str) -> SyncContext:
        opened.append(build_context(workspace_id, sync_type))
        return opened[-1]

    report = drain(world.workspace_id, "invoices", trigger="test", context_factory=context_factory)
    # HubSpot's webhook for our own write-back may re-queue an invoice within the same drain (the
    # echo check then finds nothing to write), so the drain can count more passes than invoices.
    assert report.failed == 0 and report.succeeded >= 2, report
    # Each synced (the echo of our write-back may have queued it again since: Pending, not Success).
    assert all(world.record(i).last_success_at is not None and world.record(i).destination_id for i in ids)
    (context,) = opened
    assert context.hubspot.session.http is context.quickbooks.session.http
    assert context.hubspot.session.http.is_closed, "the drain closed its connection pool"
