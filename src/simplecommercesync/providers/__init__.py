"""Everything about reaching HubSpot and QuickBooks: the shared call path (`http`), the providers as
connection data (`base`, `registry`) and one package per provider. Nothing here knows a sync type."""
