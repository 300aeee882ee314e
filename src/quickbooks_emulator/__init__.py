"""A QuickBooks Online emulator: Intuit OAuth 2.0 (discovery, sign-in/consent pages, token,
rotation, revoke, disconnect) and the Accounting API v3 (entities, query, batch, CDC,
requestid, throttles, faults, webhooks) on one local HTTP server.

Use in-process: ``quickbooks_emulator.app.create_app(EmulatorConfig(...)) -> Starlette``
(`quickbooks_emulator.config.EmulatorConfig`), served by `emulator_core.server.ServerThread`.
From the shell: ``python -m quickbooks_emulator --port 8102 --seed demo``.
"""
