"""What an invoice's note says when QuickBooks' total differs from HubSpot's: its own words,
apart from the code that compares them, because docs/tax.md quotes the fix word for word."""

from __future__ import annotations

TOTALS_DIFFER_FIX = "check the tax mapping"
TOTALS_ROUNDING_NOTE = "QuickBooks rounds tax on the invoice total, HubSpot on each line. Nothing to fix."
