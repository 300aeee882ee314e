"""Demo mode: the sign-in `make run` prints, and what `scs serve --demo` sets up before starting."""

from __future__ import annotations

DEMO_EMAIL = "demo@simplecommercesync.example"
DEMO_PASSWORD = "demo-password"
DEMO_WORKSPACE = "Northwind Outfitters"


def ensure_demo_admin() -> None:
    from simplecommercesync.accounts.provisioning import ensure_admin

    ensure_admin(DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE)
