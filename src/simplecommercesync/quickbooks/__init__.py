"""QuickBooks Online API client: typed errors, discovery, one place for Intuit's wire quirks."""
