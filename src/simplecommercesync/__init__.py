"""SimpleCommerceSync: keeps HubSpot and QuickBooks Online in step."""

__version__ = "0.1.0"
