"""Demo mode: both emulators as child processes, the product wired to them, and a demo sign-in.

The product never imports an emulator; it starts them as processes and talks to them over HTTP,
exactly as it talks to the real HubSpot and QuickBooks.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from simplecommercesync.launcher import Child, python_module

DEMO_EMAIL = "demo@simplecommercesync.example"
DEMO_PASSWORD = "demo-password"
DEMO_WORKSPACE = "Northwind Outfitters"

# The app registrations the emulators' demo worlds ship with.
HUBSPOT_DEMO_APP = ("scs-demo-hubspot", "scs-demo-hubspot-secret")
QUICKBOOKS_DEMO_APP = ("scs-demo-quickbooks", "scs-demo-quickbooks-secret")
# Signs the QuickBooks emulator's webhooks in demo mode (a real installation uses its Intuit app's token).
QUICKBOOKS_DEMO_VERIFIER = "scs-demo-quickbooks-verifier"


@dataclass(frozen=True)
class DemoPorts:
    host: str
    web: int
    hubspot: int
    quickbooks: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.web}"

    @property
    def hubspot_url(self) -> str:
        return f"http://{self.host}:{self.hubspot}"

    @property
    def quickbooks_url(self) -> str:
        return f"http://{self.host}:{self.quickbooks}"


def demo_environment(ports: DemoPorts) -> dict[str, str]:
    return {
        "SCS_BASE_URL": ports.base_url,
        "SCS_HUBSPOT_CLIENT_ID": HUBSPOT_DEMO_APP[0],
        "SCS_HUBSPOT_CLIENT_SECRET": HUBSPOT_DEMO_APP[1],
        "SCS_HUBSPOT_AUTH_BASE_URL": ports.hubspot_url,
        "SCS_HUBSPOT_API_BASE_URL": ports.hubspot_url,
        "SCS_QBO_CLIENT_ID": QUICKBOOKS_DEMO_APP[0],
        "SCS_QBO_CLIENT_SECRET": QUICKBOOKS_DEMO_APP[1],
        "SCS_QBO_ENVIRONMENT": "sandbox",
        "SCS_QBO_DISCOVERY_URL": f"{ports.quickbooks_url}/.well-known/openid_sandbox_configuration",
        "SCS_QBO_API_BASE_URL": ports.quickbooks_url,
        "SCS_QBO_WEBHOOK_VERIFIER_TOKEN": QUICKBOOKS_DEMO_VERIFIER,
    }


def emulator_children(ports: DemoPorts) -> list[Child]:
    return [
        Child(
            "HubSpot emulator",
            python_module(
                "hubspot_emulator",
                "--host",
                ports.host,
                "--port",
                str(ports.hubspot),
                "--seed",
                "demo",
                "--redirect-uri",
                f"{ports.base_url}/settings/connections/hubspot/callback/",
                # HubSpot's change webhooks go to the product, as a real app subscription would.
                "--webhook-url",
                f"{ports.base_url}/webhooks/hubspot/",
            ),
            ready_url=f"{ports.hubspot_url}/_emulator/state",
        ),
        Child(
            "QuickBooks emulator",
            python_module(
                "quickbooks_emulator",
                "--host",
                ports.host,
                "--port",
                str(ports.quickbooks),
                "--seed",
                "demo",
                "--redirect-uri",
                f"{ports.base_url}/settings/connections/quickbooks/callback/",
                # Entity changes go to the product, signed as Intuit signs them.
                "--webhook-url",
                f"{ports.base_url}/webhooks/quickbooks/",
                "--webhook-verifier",
                QUICKBOOKS_DEMO_VERIFIER,
            ),
            ready_url=f"{ports.quickbooks_url}/_emulator/state",
        ),
    ]


def emulator_sign_ins(ports: DemoPorts) -> list[str]:
    """One line per emulator: where it is and the demo person to sign in as."""
    lines = []
    for name, url in (("HubSpot", ports.hubspot_url), ("QuickBooks", ports.quickbooks_url)):
        try:
            users = httpx.get(f"{url}/_emulator/state", timeout=5).json().get("users", [])
        except (httpx.HTTPError, ValueError):
            users = []
        first = users[0] if users else {}
        who = f" — sign in there as {first['email']} / {first['password']}" if first else ""
        lines.append(f"Demo {name}: {url}/{who}")
    return lines


def ensure_demo_admin() -> None:
    # `scs serve` reads the demo ports from here before django.setup(); account models load after it.
    from simplecommercesync.accounts.provisioning import ensure_admin  # noqa: PLC0415

    ensure_admin(DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE)
