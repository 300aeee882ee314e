"""Settings → Connections: the HubSpot and QuickBooks connections of a workspace, their tokens,
health and history."""
