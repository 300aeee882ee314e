"""QuickBooks Online's limits per company, as data.

https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles:
500 requests per minute per company (realm), 10 requests at once, 40 batch requests per minute,
at most 30 operations in one batch request.
"""

from __future__ import annotations

from simplecommercesync.providers.http.rate_limits import Bucket, ProviderLimits

REQUESTS = "requests"
BATCHES = "batches"

QUICKBOOKS_LIMITS = ProviderLimits(
    provider="quickbooks",
    buckets=(Bucket(REQUESTS, 500, 60), Bucket(BATCHES, 40, 60)),
    max_in_flight=10,
    # Intuit's throttle answers need not carry Retry-After; its window is a minute.
    default_retry_after_s=60.0,
)

BATCH_MAX = 30
QUERY_PAGE_MAX = 1000
CDC_MAX_DAYS = 30
MINOR_VERSION = "75"
