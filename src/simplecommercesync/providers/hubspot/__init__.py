"""HubSpot: the connection facts, the OAuth and CRM clients, limits and error bodies. No Django views here."""
