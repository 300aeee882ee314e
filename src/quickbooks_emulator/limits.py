"""Accounting API throttles per company: 500 requests/min, 10 in flight, 40 batch calls/min.

https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles
"""

from __future__ import annotations

from emulator_core.ratelimit import ConcurrencyLimiter, RollingWindowLimiter, scaled

REQUESTS_PER_MINUTE = 500
CONCURRENT_REQUESTS = 10
BATCHES_PER_MINUTE = 40
WINDOW_S = 60.0


class AccountingLimits:
    def __init__(self, scale: float) -> None:
        self.requests = RollingWindowLimiter(scaled(REQUESTS_PER_MINUTE, scale), WINDOW_S)
        self.batches = RollingWindowLimiter(scaled(BATCHES_PER_MINUTE, scale), WINDOW_S)
        self.in_flight = ConcurrencyLimiter(scaled(CONCURRENT_REQUESTS, scale))

    def reset(self) -> None:
        self.requests.reset()
        self.batches.reset()
        self.in_flight.reset()
