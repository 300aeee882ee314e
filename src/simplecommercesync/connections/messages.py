"""Every sentence the Connections page says about a connection's state or an authorization.

docs/connections.md quotes these; keep the two in step.
"""

from __future__ import annotations

from simplecommercesync.providers.base import Provider


def cause_title(cause: str, provider: Provider | None = None) -> str:
    return {
        "revoked": "Disconnected — access was revoked or the authorization expired",
        "network": "Disconnected — network problems during token refresh",
        # Only QuickBooks rotates refresh tokens, so only it can lose a rotation.
        "rotation_lost": "Disconnected — QuickBooks may have rotated the token while the network failed",
        "client_rejected": "Disconnected — the app's client credentials are rejected",
        "provider_refusing": "Disconnected — the provider keeps refusing to refresh the connection",
        "unreadable": "Needs reconnect — the stored authorization can't be read (encryption key missing)",
        "by_user": "Disconnected",
    }.get(cause, "Disconnected")


def cause_explanation(provider: Provider, cause: str) -> str:
    name = provider.name
    if cause == "revoked":
        return (
            f"{name} no longer accepts SimpleCommerceSync's authorization: the token expired and "
            f"couldn't refresh, or access was revoked from {name}'s side ({provider.revoke_elsewhere}). "
            "Syncs are paused and nothing is lost. Click Reconnect and authorize again."
        )
    if cause == "network":
        return (
            f"We couldn't reach {name} to refresh the connection, kept retrying for the whole grace "
            "period, and the current access has now expired. Syncs are paused and nothing is lost; "
            "the authorization is kept and we keep retrying, so the connection comes back by itself "
            f"once {name} answers. Check your network and {name}'s status, or click Reconnect."
        )
    if cause == "rotation_lost":
        return (
            f"{name} may have rotated the token while the network failed: a refresh reached {name} "
            "but its answer was lost, and the token we kept is no longer accepted. Nobody revoked "
            "anything. Syncs are paused and nothing is lost. Click Reconnect and authorize again."
        )
    if cause == "client_rejected":
        return (
            f"{name} rejects this installation's app credentials, so no connection can refresh. "
            f"An operator must check {provider.env_prefix}_CLIENT_ID and {provider.env_prefix}_CLIENT_SECRET "
            "(see docs/troubleshooting.md). The authorization is kept: once the credentials are right "
            "the connection comes back by itself, no Reconnect needed."
        )
    if cause == "provider_refusing":
        return (
            f"{name} keeps refusing to refresh the connection with an answer that doesn't say the "
            "authorization is gone. The authorization is kept and we keep retrying; check "
            f"{name}'s status and the app configuration (see docs/troubleshooting.md), or click Reconnect."
        )
    if cause == "unreadable":
        return unreadable(provider)
    return (
        "Sync history and configuration are kept. You can reconnect anytime; syncs resume "
        "automatically, including the changes made while disconnected."
    )


def trouble_note(provider: Provider, trouble: str = "network") -> str:
    if trouble == "client_rejected":
        return (
            f"{provider.name} rejects the app's client credentials — check "
            f"{provider.env_prefix}_CLIENT_SECRET. An operator must fix {provider.env_prefix}_CLIENT_ID / "
            f"{provider.env_prefix}_CLIENT_SECRET; the connection still works until its current access expires."
        )
    if trouble == "provider_refusing":
        return (
            f"{provider.name} is refusing to refresh the connection — retrying. The connection still "
            "works for now; it becomes Disconnected only if this outlasts the current access."
        )
    return (
        f"Having trouble reaching {provider.name} — retrying. The connection still works for now; "
        "it becomes Disconnected only if the trouble outlasts the current access."
    )


def unreadable(provider: Provider) -> str:
    return (
        f"{provider.name} needs reconnect — the stored authorization can't be read (encryption key "
        "missing). An operator removed or changed SCS_ENCRYPTION_KEYS: put the old key back (as a "
        "later key) and run `scs rotate-keys`, or click Reconnect."
    )


def client_rejected(provider: Provider, detail: str) -> str:
    return (
        f"{provider.name} rejects the app's client credentials ({detail}). Nothing was erased. An operator "
        f"must check {provider.env_prefix}_CLIENT_ID / {provider.env_prefix}_CLIENT_SECRET (see docs/troubleshooting.md)."
    )


def test_failed_because(provider: Provider, cause: str) -> str:
    if cause == "revoked":
        return TEST_REVOKED.format(name=provider.name)
    return f"{cause_title(cause)}. {cause_explanation(provider, cause)}"


def not_configured(provider: Provider) -> str:
    return (
        f"{provider.name} isn't set up on this installation yet: an operator must set "
        f"{provider.env_prefix}_CLIENT_ID and {provider.env_prefix}_CLIENT_SECRET (see docs/connections.md)."
    )


def provider_error(provider: Provider, error: str, description: str) -> str:
    name = provider.name
    said = f" {name} said: “{description}”" if description else ""
    if error == "access_denied":
        return (
            f"{name} authorization was cancelled or refused, so nothing changed.{said} "
            f"If you lack admin rights on the {provider.account_noun}, ask its admin to connect; "
            f"otherwise click Connect {name} to try again."
        )
    if error == "invalid_scope":
        return (
            f"{name} refused the permissions SimpleCommerceSync asks for, so nothing changed.{said} "
            "An operator should check the app's scopes (see docs/connections.md)."
        )
    return (
        f"{name} authorization failed ({error}), so nothing changed.{said} Click Connect {name} to try again."
    )


STATE_MISSING = (
    "The reply from {name} carried no security token (state), so it was ignored and nothing changed. "
    "Start again with Connect {name}."
)
STATE_UNKNOWN = (
    "The reply from {name} doesn't match a connection started in this browser, so it was ignored "
    "for your safety and nothing changed. Start again with Connect {name}."
)
STATE_USED = (
    "This reply from {name} was already used, so it was ignored and nothing changed. "
    "Start again with Connect {name} if you are not connected."
)
STATE_EXPIRED = (
    "The authorization took longer than 10 minutes and expired, so nothing changed. "
    "Start again with Connect {name}."
)
CODE_MISSING = (
    "The reply from {name} had no authorization code, so nothing changed. Start again with Connect {name}."
)
CODE_REJECTED = (
    "{name} did not accept the authorization code (it may have expired or been used already), "
    "so nothing changed. Start again with Connect {name}."
)
UNREACHABLE_ON_CONNECT = (
    "We couldn't reach {name} to finish connecting ({detail}). Nothing was saved; try again in a minute."
)
CLIENT_MISCONFIGURED = (
    "{name} rejected this installation's app credentials ({detail}). Nothing was saved. An operator "
    "must fix {prefix}_CLIENT_ID / {prefix}_CLIENT_SECRET (see docs/connections.md)."
)
MISSING_SCOPES = (
    "{name} granted fewer permissions than SimpleCommerceSync needs (missing: {missing}), so the "
    "connection was not saved. Connect again and approve every permission; see OAuth Scopes Explained."
)
CONNECTED = "Connected to {name} {noun} {account}."
RECONNECTED = (
    "Reconnected to {name} {noun} {account}. Syncs resume automatically, including the changes "
    "made while disconnected."
)
SWITCHED = (
    "Connected to a different {name} {noun}: {account} (before: {previous}). Records synced with the "
    "old {noun} won't link to this {noun}'s records."
)
DISCONNECTED = (
    "Disconnected from {name}. All syncs stopped; sync history and configuration are kept. "
    "You can reconnect anytime."
)
DISCONNECTED_REVOKE_FAILED = (
    "Disconnected here, but we couldn't reach {name} to revoke access ({detail}). To be sure, "
    "remove SimpleCommerceSync in {where}."
)
TEST_OK = "Connection works: {name} answered for {noun} {account} just now."
TEST_TROUBLE = "Couldn't reach {name} just now ({detail}). The connection stays Connected; we keep retrying."
TEST_REVOKED = (
    "{name} refused the connection: access was revoked or the authorization expired. Click Reconnect."
)
TEST_ODD_ANSWER = (
    "{name} answered unexpectedly ({detail}). Nothing was erased; try again later, and see "
    "docs/troubleshooting.md if it persists."
)
DISCONNECTED_UNREADABLE = (
    "Disconnected from {name}. The stored authorization couldn't be read (encryption key missing), "
    "so it wasn't revoked at {name}: remove SimpleCommerceSync in {where}."
)
BAD_CALLBACK = (
    "The reply from {name} contained characters no real reply has, so it was ignored and nothing "
    "changed. Start again with Connect {name}."
)
TEST_NOT_CONNECTED = "{name} is not connected, so there is nothing to test. Click Connect {name}."
