"""The engine gets its tokens through the connections app's one token path (connections.access):
a token the provider stops accepting early is refreshed once, and the drain goes on."""

from __future__ import annotations

import threading

import pytest

from simplecommercesync.connections.models import Connection, ConnectionEvent
from tests.product.sync.engine.test_sync_resilience import invoices_with_known_customer
from tests.product.test_sync_support import (  # noqa: F401 (fixtures)
    World,
    hooked_hubspot,
    hooked_providers,
    world_fixture,
)

pytestmark = [pytest.mark.integration]


def token_calls(world: World) -> tuple[int, int]:
    hubspot = world.providers.hubspot("GET", "/_emulator/requests").json()["by_route"]
    quickbooks = world.providers.quickbooks("GET", "/_emulator/requests").json()["by_route"]
    # HubSpot's token endpoint carries the OAuth version in its path (/oauth/<version>/token).
    return (sum(sum(counts.values()) for route, counts in hubspot.items()
                if route.startswith("POST /oauth/") and route.endswith("/token")),
            sum(quickbooks.get("POST /oauth2/v1/tokens/bearer", {}).values()))


def test_tokens_refused_early_are_refreshed_once_per_provider_and_the_drain_goes_on(world: World) -> None:
    ids = invoices_with_known_customer(world, 3)
    before = token_calls(world)
    # Both providers stop accepting the access tokens we hold, long before their stored expiry.
    world.providers.hubspot("POST", "/_emulator/tokens/expire").raise_for_status()
    world.providers.quickbooks("POST", "/_emulator/tokens/expire", json={}).raise_for_status()

    report = world.drain()

    assert report.failed == 0 and report.succeeded >= 3, report  # an echo check may add a pass
    # Each synced (the echo of our write-back may have queued it again since: Pending, not Success).
    assert all(world.record(i).last_success_at is not None and world.record(i).destination_id for i in ids)
    after = token_calls(world)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1), "one forced refresh per provider"
    for provider in ("hubspot", "quickbooks"):
        connection = Connection.objects.get(workspace_id=world.workspace_id, provider=provider)
        assert connection.status == "connected"
        refreshed = ConnectionEvent.objects.filter(connection=connection, kind="refreshed").count()
        assert refreshed == 1, f"{provider}: the refresh is recorded on the Connections page's history"


def test_two_workers_refused_at_once_share_one_refresh(world: World) -> None:
    """Two clients that both got a 401 for the same token: the second finds the token replaced
    (connections.access under the connection's lock) and spends no second refresh."""
    from simplecommercesync.sync.engine.clients import open_clients

    world.providers.hubspot("POST", "/_emulator/tokens/expire").raise_for_status()
    before = token_calls(world)
    answers: list[object] = []

    def read_tax_rates() -> None:
        with open_clients(world.workspace_id) as clients:
            answers.append(clients.hubspot.tax_rates())

    threads = [threading.Thread(target=read_tax_rates) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 2
    after = token_calls(world)
    assert after[0] - before[0] == 1, "one refresh for one expiry, whichever worker asked first"
