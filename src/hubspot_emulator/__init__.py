"""A HubSpot emulator: OAuth pages and tokens, CRM v3 objects, associations v4, properties,
tax rates, limits, faults and webhooks, on one port (default 8101).

In-process use (tests)::

    from hubspot_emulator import EmulatorConfig, create_app
    from emulator_core.server import ServerThread
    with ServerThread(create_app(EmulatorConfig(seed="demo"))) as server:
        ...  # server.url; app.state.world is the HubSpotWorld

Command line: ``python -m hubspot_emulator --port 8101 --seed demo`` (see cli.py).
"""

from .app import create_app
from .config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_app"]
