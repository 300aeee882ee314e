"""Settings → Sync: one tab per sync type that exists (Invoices, Tax)."""
