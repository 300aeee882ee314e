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
from .webhooks import WebhookPublisher

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
        webhooks = None
        if config.webhook_url:
            webhooks = WebhookPublisher(config.webhook_url, config.webhook_verifier)
            world.listeners.append(webhooks.collect)
        world.seed(config.seed)
        return cls(
            config=config,
            world=world,
            limits=AccountingLimits(config.rate_limit_scale),
            faults=FaultInjector(),
            log=RequestLog(),
            templates=Jinja2Templates(directory=str(TEMPLATES_DIR)),
            webhooks=webhooks,
        )
