"""The troubleshooting page must name every state the Connections page can show."""

from pathlib import Path

from simplecommercesync.connections import messages
from simplecommercesync.connections.providers import PROVIDERS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "connections.md").read_text()


def test_every_disconnected_cause_has_a_troubleshooting_heading() -> None:
    for cause in ("revoked", "network"):
        assert f'### "{messages.cause_title(cause)}"' in DOC


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
