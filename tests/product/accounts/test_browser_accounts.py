import pytest
from playwright.sync_api import expect

from simplecommercesync.accounts.models import User
from tests.product.conftest import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_signs_in_and_changes_the_time_zone(page, live_server, admin: User) -> None:
    sign_in_browser(page, live_server.url, admin.email)
    assert page.get_by_test_id("status-hubspot").inner_text() == "Not connected"
    page.get_by_role("link", name="Account").click()
    page.get_by_label("Time zone").select_option("Pacific/Auckland")
    page.get_by_role("button", name="Save workspace").click()
    expect(page.get_by_role("status").filter(has_text="Times now show in Pacific/Auckland")).to_be_visible()
    now_text = page.get_by_test_id("local-now").inner_text()
    assert now_text.endswith(("NZDT", "NZST")), now_text


def test_member_cannot_reach_an_admin_action(page, live_server, member: User) -> None:
    sign_in_browser(page, live_server.url, member.email)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Only a workspace admin can change these.")).to_be_visible()
    expect(page.get_by_role("button", name="Save workspace")).to_have_count(0)
    # A crafted POST straight to the admin action is refused by the server with a clear page.
    page.evaluate(
        """() => {
        const form = document.createElement('form');
        form.method = 'post'; form.action = '/settings/account/workspace/';
        for (const [k, v] of [['name', 'X'], ['time_zone', 'UTC'],
            ['csrfmiddlewaretoken', document.querySelector('[name=csrfmiddlewaretoken]').value]]) {
          const input = document.createElement('input');
          input.name = k; input.value = v; form.appendChild(input);
        }
        document.body.appendChild(form); form.submit();
    }"""
    )
    page.wait_for_url("**/settings/account/workspace/")
    expect(page.get_by_role("heading", name="Admins only")).to_be_visible()
