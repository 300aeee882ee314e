"""Which HubSpot portal and QuickBooks company the workspace's settings apply to right now.

Tax mappings and cached rates/codes are stored per portal + company, so the pages read and write
them for the accounts of the workspace's current connections (connected, or last connected).
"""

from __future__ import annotations

from dataclasses import dataclass

from simplecommercesync.connections.models import Connection, Status


@dataclass(frozen=True)
class AccountsInUse:
    portal_id: str
    realm_id: str
    company_name: str
    both_connected: bool

    @property
    def known(self) -> bool:
        """Both accounts are known, so per-account settings have somewhere to live."""
        return bool(self.portal_id and self.realm_id)


def accounts_in_use(workspace_id: int) -> AccountsInUse:
    rows = {c.provider: c for c in Connection.objects.filter(workspace_id=workspace_id)}
    hubspot, quickbooks = rows.get("hubspot"), rows.get("quickbooks")
    return AccountsInUse(
        portal_id=hubspot.account_id if hubspot else "",
        realm_id=quickbooks.account_id if quickbooks else "",
        company_name=quickbooks.account_name if quickbooks else "",
        both_connected=bool(
            hubspot and quickbooks and hubspot.status == Status.CONNECTED and quickbooks.status == Status.CONNECTED
        ),
    )
