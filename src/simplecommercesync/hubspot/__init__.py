"""HubSpot API client: typed errors, one place for HubSpot's wire quirks. No Django views here."""
