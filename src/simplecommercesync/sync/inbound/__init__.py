"""Inbound: how changes on either side become Pending records, routed through each declaration's
`Inbound` — HubSpot webhook events (`hubspot_events`, `hubspot_triggers`), the HubSpot polling
safety net (`hubspot_polling`), QuickBooks webhooks and Change Data Capture (`quickbooks_triggers`,
`quickbooks_cdc`). It names no sync type."""
