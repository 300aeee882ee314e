"""Data → Invoices / Customers: every sync record, its attempts, Retry, and CSV export."""
