"""Start-up options of the emulator (the `scs emulator quickbooks` flags)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_PORT = 8102
DEMO_REDIRECT_URI = "http://127.0.0.1:8000/settings/connections/quickbooks/callback/"


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: str = "demo"  # demo | empty
    rate_limit_scale: float = 1.0
    access_token_lifetime: int = 3600
    refresh_rotation_seconds: int = 86400
    webhook_url: str | None = None
    webhook_verifier: str = "scs-demo-quickbooks-verifier"
    # "cloudevents" (Intuit's current format) or "eventNotifications" (the classic one).
    webhook_format: str = "cloudevents"
    redirect_uris: list[str] = field(default_factory=lambda: [DEMO_REDIRECT_URI])
    # Extra time each Accounting API call takes while holding its concurrency slot.
    latency_ms: int = 0
    # Answer 429 throttles as XML, as Intuit's gateway may do (the client must go by the status).
    throttle_xml: bool = False
