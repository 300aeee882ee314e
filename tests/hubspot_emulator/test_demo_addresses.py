"""The demo contacts carry the addresses of emulator_core.northwind, in the state whose rate
their invoices use, so both sides agree on where a customer is taxed."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import hubspot
import pytest

from emulator_core.northwind import NORTHWIND_EU, NORTHWIND_US, Business

from .conftest import API_ERRORS

ADDRESS = ["email", "firstname", "lastname", "address", "city", "state", "zip", "country"]


def contacts_by_name(client: hubspot.Client) -> dict[str, dict[str, str | None]]:
    page = client.crm.contacts.basic_api.get_page(limit=100, properties=ADDRESS)
    return {f"{c.properties['firstname']} {c.properties['lastname']}": c.properties
            for c in page.results}


def assert_addresses(found: dict[str, dict[str, str | None]], business: Business) -> None:
    assert len(found) == len(business.contacts)
    for contact in business.contacts:
        address = contact.address
        assert address is not None, contact.key
        properties = found[contact.display_name]
        assert [properties[n] for n in ("address", "city", "state", "zip", "country")] == [
            address.street, address.city, address.state, address.zip, address.country]


def test_us_contacts_have_their_addresses(client: hubspot.Client) -> None:
    found = contacts_by_name(client)
    assert_addresses(found, NORTHWIND_US)
    # The state follows the rate of the contact's invoices.
    assert found["Liam Ortiz"]["state"] == "NY" and found["Clara Moreau"]["state"] == "NY"
    assert found["Owen Castillo"]["state"] == "OR" and found["Maya Chen"]["state"] == "CA"


def test_eu_contacts_have_their_addresses(sdk: Callable[[str], hubspot.Client],
                                          http: httpx.Client) -> None:
    token = http.post(f"/_emulator/portals/{NORTHWIND_EU.hubspot_portal_id}/private-app-token")
    assert_addresses(contacts_by_name(sdk(token.json()["token"])), NORTHWIND_EU)


def test_state_is_a_contact_property(client: hubspot.Client) -> None:
    state = client.crm.properties.core_api.get_by_name("contacts", "state")
    assert (state.label, state.group_name, state.type) == ("State/Region", "contactinformation",
                                                           "string")
    with pytest.raises(API_ERRORS) as raised:
        client.crm.properties.core_api.get_by_name("invoices", "state")
    assert getattr(raised.value, "status", None) == 404
