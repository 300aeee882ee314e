"""What the sync types share to turn one side's record into the other's: money and dates (`money`,
`line_money`), items by SKU (`items`), customers by email (`customers`, `customer_creation`), tax
codes and rates (`tax`, `tax_models`), QuickBooks → HubSpot lines and contacts (`to_hubspot`), the
write-back properties (`write_back`) and the errors of all of these (`errors`)."""
