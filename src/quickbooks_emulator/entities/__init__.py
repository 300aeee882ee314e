"""QuickBooks entities, one module per resource; `company.CompanyBackend` is one realm's store."""
