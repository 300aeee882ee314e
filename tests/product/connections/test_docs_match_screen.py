"""The troubleshooting page must name every state the Connections page can show."""

from simplecommercesync.connections import messages
from simplecommercesync.connections.models import Cause
from simplecommercesync.providers.registry import PROVIDERS
from tests.product.repo_paths import REPO_ROOT

DOCS = REPO_ROOT / "docs"
DOC = (DOCS / "connections.md").read_text()
TABLE = (DOCS / "troubleshooting.md").read_text()


def test_every_disconnected_cause_has_a_troubleshooting_heading_and_table_row() -> None:
    for cause in Cause:
        if cause in (Cause.NONE, Cause.BY_USER):
            continue
        title = messages.cause_title(cause)
        assert title != "Disconnected", f"cause {cause} has no title of its own"
        assert f'### "{title}"' in DOC
        assert f"| {title} |" in TABLE


def test_every_cause_explanation_names_its_fix() -> None:
    for provider in PROVIDERS.values():
        for cause in Cause:
            text = messages.cause_explanation(provider, cause)
            assert any(fix in text for fix in ("Reconnect", "CLIENT_SECRET", "reconnect anytime")), cause


def test_new_on_screen_causes_appear_in_both_docs() -> None:
    hubspot, quickbooks = PROVIDERS["hubspot"], PROVIDERS["quickbooks"]
    for phrase, shown in [
        (
            "QuickBooks may have rotated the token while the network failed",
            messages.cause_explanation(quickbooks, "rotation_lost"),
        ),
        ("check SCS_HUBSPOT_CLIENT_SECRET", messages.trouble_note(hubspot, "client_rejected")),
        (
            "is refusing to refresh the connection — retrying",
            messages.trouble_note(hubspot, "provider_refusing"),
        ),
        ("the stored authorization can't be read (encryption key missing)", messages.unreadable(hubspot)),
        ("contained characters no real reply has", messages.BAD_CALLBACK),
        ("couldn't be read (encryption key missing), so it wasn't revoked", messages.DISCONNECTED_UNREADABLE),
        ("answered unexpectedly", messages.TEST_ODD_ANSWER),
        ("scs rotate-keys", messages.unreadable(hubspot)),
    ]:
        assert phrase in shown, f"the screen no longer says {phrase!r}"
        assert phrase in DOC, f"docs/connections.md lacks {phrase!r}"
        assert phrase in TABLE, f"docs/troubleshooting.md lacks {phrase!r}"


def test_on_screen_phrases_appear_in_the_doc() -> None:
    hubspot = PROVIDERS["hubspot"]
    phrases = [
        "Having trouble reaching HubSpot — retrying",
        "authorization was cancelled or refused, so nothing changed",
        "refused the permissions SimpleCommerceSync asks for",
        "granted fewer permissions than SimpleCommerceSync needs",
        "doesn't match a connection started in this browser",
        "was already used",
        "took longer than 10 minutes",
        "carried no security token",
        "did not accept the authorization code",
        "rejected this installation's app credentials",
        "isn't set up on this installation yet",
        "Disconnected here, but we couldn't reach",
    ]
    screen = " ".join(
        [
            messages.trouble_note(hubspot),
            messages.provider_error(hubspot, "access_denied", ""),
            messages.provider_error(hubspot, "invalid_scope", ""),
            messages.MISSING_SCOPES,
            messages.STATE_UNKNOWN,
            messages.STATE_USED,
            messages.STATE_EXPIRED,
            messages.STATE_MISSING,
            messages.CODE_REJECTED,
            messages.CLIENT_MISCONFIGURED,
            messages.not_configured(hubspot),
            messages.DISCONNECTED_REVOKE_FAILED,
        ]
    )
    for phrase in phrases:
        assert phrase in screen, f"the screen no longer says {phrase!r}"
        assert phrase.replace("HubSpot", "").strip() in DOC or phrase in DOC, f"docs lack {phrase!r}"


def test_every_scope_is_listed_for_operators() -> None:
    for provider in PROVIDERS.values():
        for scope in provider.scope_names:
            assert f"`{scope}`" in DOC
