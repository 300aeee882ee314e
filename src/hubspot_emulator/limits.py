"""HubSpot's per-portal request limits (https://developers.hubspot.com/docs/api/usage-details).

OAuth apps: 110 requests per rolling 10 s per portal and app; CRM search: 5 requests per second
per portal, counted apart from the 10-second bucket and answered without rate-limit headers.
"""

from __future__ import annotations

from emulator_core.ratelimit import RateDecision, RollingWindowLimiter, scaled

from .exceptions import RateLimited

TEN_SECOND_LIMIT = 110
SEARCH_PER_SECOND = 5


class PortalLimits:
    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.ten_second = RollingWindowLimiter(scaled(TEN_SECOND_LIMIT, scale), 10.0)
        self.search = RollingWindowLimiter(scaled(SEARCH_PER_SECOND, scale), 1.0)

    def reset(self) -> None:
        self.ten_second.reset()
        self.search.reset()

    @staticmethod
    def headers(decision: RateDecision) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(decision.window_ms),
            "X-HubSpot-RateLimit-Max": str(decision.limit),
            "X-HubSpot-RateLimit-Remaining": str(decision.remaining),
        }

    def check_api(self, key: str) -> dict[str, str]:
        """Counts one call; returns the headers for the response or raises the 429."""
        decision = self.ten_second.hit(key)
        headers = self.headers(decision)
        if not decision.allowed:
            raise RateLimited("TEN_SECONDLY_ROLLING",
                              "You have reached your ten_secondly_rolling limit.",
                              headers, f"publicapi:{key}")
        return headers

    def check_search(self, key: str) -> None:
        decision = self.search.hit(key)
        if not decision.allowed:
            raise RateLimited("SECONDLY", "You have reached your secondly limit.", {},
                              f"publicapi:search:{key}")
