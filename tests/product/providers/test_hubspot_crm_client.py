"""HubSpotCrm against the HubSpot emulator over real HTTP: batches, paging, the search cap,
retries, typed failures and the token refresh."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from emulator_core.server import ServerThread
from simplecommercesync.providers.http.call_policy import CallPolicy
from simplecommercesync.providers.http.errors import Unauthorized, Unreachable
from simplecommercesync.providers.http.failures import PartialBatchFailure, ValidationFailed
from simplecommercesync.providers.http.rate_limits import ProviderLimiter
from simplecommercesync.providers.hubspot.crm import HubSpotCrm, modified_ms
from simplecommercesync.providers.hubspot.limits import HUBSPOT_LIMITS
from tests.product.provider_client_kit import Emulator, TokenStub

PORTAL = 2468101
FAST = CallPolicy(backoff_multiplier_s=0.05, backoff_max_s=0.2)


@pytest.fixture(scope="module")
def hubspot() -> Iterator[Emulator]:
    from hubspot_emulator import EmulatorConfig, create_app

    with ServerThread(create_app(EmulatorConfig(seed="demo"))) as server:
        yield Emulator(server.url)


@pytest.fixture
def emulator(hubspot: Emulator) -> Emulator:
    hubspot.reset()
    return hubspot


def private_token(emulator: Emulator) -> str:
    return str(emulator.control("POST", f"/portals/{PORTAL}/private-app-token")["token"])


def add_contacts(crm: HubSpotCrm, count: int, prefix: str = "client") -> list[str]:
    created = crm.batch_create(
        "contacts",
        [{"properties": {"email": f"{prefix}-{n}@example.com", "firstname": f"C{n}"}} for n in range(count)],
    )
    return [c["id"] for c in created]


def crm_for(emulator: Emulator, tokens: TokenStub | None = None, scale: float = 1.0) -> HubSpotCrm:
    return HubSpotCrm(
        api_base_url=emulator.url,
        portal_id=PORTAL,
        tokens=tokens or TokenStub(private_token(emulator)),
        limiter=ProviderLimiter(HUBSPOT_LIMITS, str(PORTAL), scale=scale),
        policy=FAST,
    )


@pytest.fixture
def crm(emulator: Emulator) -> HubSpotCrm:
    return crm_for(emulator)


def test_batch_read_asks_100_ids_per_call_and_leaves_out_missing_ones(
    emulator: Emulator, crm: HubSpotCrm
) -> None:
    created = add_contacts(crm, 230)
    assert emulator.calls("POST /crm/v3/objects/contacts/batch/create") == 3
    ids = [c["id"] for c in crm.list_all("contacts", ["email"])]
    assert set(created) <= set(ids)
    assert len(ids) >= 230
    assert emulator.calls("GET /crm/v3/objects/contacts") == -(-len(ids) // 100)

    found = crm.batch_read("contacts", [*ids, "987654321"], ["email", "firstname"])

    assert set(found) == set(ids)
    assert found[ids[-1]]["properties"]["email"].endswith("@example.com")
    assert emulator.calls("POST /crm/v3/objects/contacts/batch/read") == -(-(len(ids) + 1) // 100)


def test_associations_come_from_one_batch_call_per_thousand_ids(emulator: Emulator, crm: HubSpotCrm) -> None:
    invoices = [i["id"] for i in crm.list_all("invoices", ["hs_number"])]
    assert invoices

    linked = crm.associations("invoices", "line_items", [*invoices, *invoices[:1]])

    assert set(linked) == set(invoices)
    assert any(linked.values())
    assert emulator.calls("POST /crm/v4/associations/invoices/line_items/batch/read") == 1
    one = invoices[0]
    single = emulator.http.get(
        f"{emulator.url}/crm/v4/objects/invoices/{one}/associations/line_items",
        headers={"Authorization": f"Bearer {crm.session.tokens.access_token()}"},
    ).json()
    assert sorted(linked[one]) == sorted(str(r["toObjectId"]) for r in single["results"])


def test_batch_update_sends_100_per_call_and_names_the_refused_ids(
    emulator: Emulator, crm: HubSpotCrm
) -> None:
    ids = add_contacts(crm, 150)
    updates = {i: {"company": f"Renamed {i}"} for i in ids}
    updates["987654321"] = {"company": "Nobody"}

    with pytest.raises(PartialBatchFailure) as failed:
        crm.batch_update("contacts", updates)

    assert emulator.calls("POST /crm/v3/objects/contacts/batch/update") == 2
    assert [f.ids for f in failed.value.failures] == [("987654321",)]
    assert len(failed.value.results) == 150
    assert (
        crm.batch_read("contacts", ids[-1:], ["company"])[ids[-1]]["properties"]["company"]
        == f"Renamed {ids[-1]}"
    )


def test_search_pages_through_changes_oldest_first_and_restarts_before_the_10000_cap() -> None:
    from hubspot_emulator import EmulatorConfig, create_app

    # The emulator and our limiter both at ×10 (as `make bench` runs) keep 50+ searches quick.
    with ServerThread(create_app(EmulatorConfig(seed="demo", rate_limit_scale=10))) as server:
        emulator = Emulator(server.url)
        crm = crm_for(emulator, scale=10)
        since = datetime.now(UTC) - timedelta(seconds=1)
        add_contacts(crm, 10_450, prefix="cap")

        seen = list(crm.search_modified_since("contacts", since, ["email"]))

        ids = [r["id"] for r in seen]
        assert len(ids) == len(set(ids)) >= 10_450
        stamps = [modified_ms(r) for r in seen]
        assert stamps == sorted(stamps)
        searches = emulator.calls("POST /crm/v3/objects/contacts/search")
        assert searches > 10_000 // 200  # it went on past the cap with a new query
        assert emulator.calls_with_status(400) == 0
        assert emulator.calls_with_status(429) == 0
        later = list(crm.search_modified_since("contacts", datetime.now(UTC) + timedelta(hours=1), ["email"]))
        assert later == []


def test_429_storm_is_waited_out_as_retry_after_says(emulator: Emulator, crm: HubSpotCrm) -> None:
    emulator.fault(
        path_regex="^/tax-rates/v1/tax-rates$", status=429, times=3, headers={"Retry-After": "0.3"}
    )
    started = time.monotonic()

    rates = crm.tax_rates()

    assert rates
    assert time.monotonic() - started >= 0.9
    assert emulator.calls("GET /tax-rates/v1/tax-rates", 429) == 3
    assert emulator.calls("GET /tax-rates/v1/tax-rates", 200) == 1
    assert len(crm.last_request_ids) >= 3  # each 429 carried HubSpot's correlation id


def test_server_errors_are_retried_until_hubspot_answers(emulator: Emulator, crm: HubSpotCrm) -> None:
    emulator.fault(path_regex="/batch/read$", status=503, times=2)

    found = crm.batch_read("invoices", ["1"], ["hs_number"])

    assert isinstance(found, dict)
    assert emulator.calls("POST /crm/v3/objects/invoices/batch/read") == 3


def test_server_errors_give_up_after_the_bounded_attempts(emulator: Emulator, crm: HubSpotCrm) -> None:
    emulator.fault(path_regex="^/tax-rates/", status=502, times=20)

    with pytest.raises(Unreachable):
        crm.tax_rates()

    assert emulator.calls("GET /tax-rates/v1/tax-rates") == FAST.attempts


def test_validation_errors_are_not_retried_and_keep_hubspots_message(
    emulator: Emulator, crm: HubSpotCrm
) -> None:
    emulator.fault(
        path_regex="^/tax-rates/",
        status=400,
        body={
            "status": "error",
            "message": "Property values were not valid",
            "category": "VALIDATION_ERROR",
            "errors": [{"message": "limit must be a number", "code": "INVALID_INTEGER"}],
        },
    )

    with pytest.raises(ValidationFailed) as refused:
        crm.tax_rates()

    assert refused.value.message == "Property values were not valid"
    assert refused.value.detail == "limit must be a number"
    assert refused.value.code == "VALIDATION_ERROR"
    assert emulator.calls("GET /tax-rates/v1/tax-rates") == 1


def test_a_create_hubspot_refuses_comes_back_typed_with_its_message(
    emulator: Emulator, crm: HubSpotCrm
) -> None:
    existing = next(iter(crm.list_all("contacts", ["email"])))["properties"]["email"]

    with pytest.raises(PartialBatchFailure) as refused:
        crm.batch_create("contacts", [{"properties": {"email": existing}}])

    assert (
        "already" in refused.value.failures[0].message.lower() or refused.value.failures[0].code == "CONFLICT"
    )
    assert emulator.calls("POST /crm/v3/objects/contacts/batch/create") == 1


def test_a_401_refreshes_the_token_once_and_retries(emulator: Emulator) -> None:
    tokens = TokenStub("pat-na1-revoked", fresh=lambda: private_token(emulator))
    crm = crm_for(emulator, tokens)

    assert crm.tax_rates()

    assert tokens.refused == ["pat-na1-revoked"]
    assert emulator.calls("GET /tax-rates/v1/tax-rates", 401) == 1
    assert emulator.calls("GET /tax-rates/v1/tax-rates", 200) == 1


def test_a_second_401_after_the_refresh_is_final(emulator: Emulator) -> None:
    tokens = TokenStub("pat-na1-revoked", fresh=lambda: "pat-na1-still-bad")
    crm = crm_for(emulator, tokens)

    with pytest.raises(Unauthorized):
        crm.tax_rates()

    assert tokens.refused == ["pat-na1-revoked"]
    assert emulator.calls("GET /tax-rates/v1/tax-rates") == 2


def test_ensure_properties_creates_the_group_and_only_missing_properties(
    emulator: Emulator, crm: HubSpotCrm
) -> None:
    wanted = [
        {
            "name": "scs_qbo_invoice_id",
            "label": "QuickBooks invoice id",
            "type": "string",
            "fieldType": "text",
        },
        {"name": "scs_sync_status", "label": "Sync status", "type": "string", "fieldType": "text"},
    ]

    crm.ensure_properties("invoices", "simplecommercesync", "SimpleCommerceSync", wanted)
    crm.ensure_properties("invoices", "simplecommercesync", "SimpleCommerceSync", wanted)

    names = {
        p["name"]: p
        for p in crm.session.http.get(
            f"{emulator.url}/crm/v3/properties/invoices",
            headers={"Authorization": f"Bearer {crm.session.tokens.access_token()}"},
        ).json()["results"]
    }
    assert names["scs_qbo_invoice_id"]["groupName"] == "simplecommercesync"
    assert emulator.calls("POST /crm/v3/properties/invoices/batch/create") == 1


def test_an_answer_without_results_is_trouble_not_an_empty_list(emulator: Emulator, crm: HubSpotCrm) -> None:
    """A proxy or a broken deploy answering 200 `{}` must not read as "none of these exist" (the
    sync would mark live records deleted) nor, after a create, as "nothing was created"."""
    (contact,) = add_contacts(crm, 1, prefix="garbled")
    emulator.fault(path_regex=r"/batch/read$", status=200, body={}, times=1)
    with pytest.raises(Unreachable, match="without its list of results") as read:
        crm.batch_read("contacts", [contact], ["email"])
    assert not read.value.maybe_processed
    assert crm.batch_read("contacts", [contact], ["email"]).keys() == {contact}

    emulator.fault(path_regex=r"/batch/create$", status=201, body={"status": "COMPLETE"}, times=1)
    with pytest.raises(Unreachable) as created:
        add_contacts(crm, 1, prefix="garbled-create")
    assert created.value.maybe_processed, "a create answered without results may have created"
