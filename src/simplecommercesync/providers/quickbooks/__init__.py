"""QuickBooks Online: the connection facts, discovery, the Accounting client, limits, error bodies and webhooks."""
