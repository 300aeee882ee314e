"""Everything a route needs, built once by `create_app` (no module-level state)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.templating import Jinja2Templates

from emulator_core.faults import FaultInjector
from emulator_core.requestlog import RequestLog

from .config import EmulatorConfig
from .limits import AccountingLimits
from .models import World
from .webhooks import WEBHOOK_FORMATS, WebhookPublisher

TEMPLATES_DIR = Path(__file__).parent / "templates"


@dataclass
class Runtime:
    config: EmulatorConfig
    world: World
    limits: AccountingLimits
    faults: FaultInjector
    log: RequestLog
    templates: Jinja2Templates
    webhooks: WebhookPublisher | None

    @classmethod
    def build(cls, config: EmulatorConfig) -> Runtime:
        world = World(config)
        world.seed(config.seed)
        runtime = cls(
            config=config,
            world=world,
            limits=AccountingLimits(config.rate_limit_scale),
            faults=FaultInjector(),
            log=RequestLog(),
            templates=Jinja2Templates(directory=str(TEMPLATES_DIR)),
            webhooks=None,
        )
        runtime.configure_webhooks(config.webhook_url, config.webhook_verifier, config.webhook_format)
        return runtime

    def configure_webhooks(self, url: str | None, verifier: str | None = None, payload_format: str | None = None) -> None:
        """Start, change or (url "") stop webhook delivery; omitted settings keep their value."""
        current = self.webhooks
        verifier = verifier or (current.verifier if current else self.config.webhook_verifier)
        chosen = payload_format or (current.payload_format if current else self.config.webhook_format)
        if chosen not in WEBHOOK_FORMATS:
            raise ValueError(f"format must be one of {', '.join(WEBHOOK_FORMATS)}")
        if url is None:
            url = current.dispatcher.url if current else None
        if current is not None and url == current.dispatcher.url:
            current.verifier = verifier
            current.payload_format = chosen
            return
        if current is not None:
            self.world.listeners.remove(current.collect)
            current.close()
            self.webhooks = None
        if url:
            publisher = WebhookPublisher(url, verifier, chosen)
            self.world.listeners.append(publisher.collect)
            self.webhooks = publisher
