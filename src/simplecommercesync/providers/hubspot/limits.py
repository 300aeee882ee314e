"""HubSpot's limits, as data: request buckets per portal and the sizes of batch and search calls.

https://developers.hubspot.com/docs/api/usage-details (OAuth apps: 110 requests per rolling 10 s
per portal; CRM search 5 requests/s per portal, counted apart from the 10-second bucket).
https://developers.hubspot.com/docs/api/crm/search (≤ 200 per page, ≤ 10,000 results per query).
"""

from __future__ import annotations

from simplecommercesync.providers.http.rate_limits import Bucket, ProviderLimits

GENERAL = "general"
SEARCH = "search"

HUBSPOT_LIMITS = ProviderLimits(
    provider="hubspot",
    buckets=(Bucket(GENERAL, 110, 10), Bucket(SEARCH, 5, 1)),
    max_in_flight=None,
    # A 429 from HubSpot names no Retry-After; its rolling windows free a slot within seconds.
    default_retry_after_s=2.0,
)

BATCH_MAX = 100  # batch read/create/update/upsert/archive inputs
LIST_PAGE_MAX = 100
SEARCH_PAGE_MAX = 200
SEARCH_RESULTS_CAP = 10_000
# https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api
ASSOCIATIONS_BATCH_READ_MAX = 1_000
TAX_RATES_PAGE_MAX = 100
