"""What the provider-client tests share: a token source stand-in, emulator control, call counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


class TokenStub:
    """A TokenSource edge: the product's real one reads the connection vault. Hands out `first`,
    and after a 401 whatever `fresh()` mints, recording each refused token."""

    def __init__(self, first: str, fresh: Callable[[], str] | None = None) -> None:
        self.token = first
        self.fresh = fresh
        self.refused: list[str] = []

    def access_token(self) -> str:
        return self.token

    def refreshed_after(self, rejected_token: str) -> str:
        self.refused.append(rejected_token)
        if self.fresh is not None:
            self.token = self.fresh()
        return self.token


@dataclass
class Emulator:
    url: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.url}/_emulator{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self, seed: str = "demo") -> None:
        self.control("POST", "/reset", json={"seed": seed})
        self.control("DELETE", "/faults")
        self.control("DELETE", "/requests")

    def fault(self, **spec: Any) -> None:
        self.control("POST", "/faults", json=spec)

    def calls(self, route: str, status: int | None = None) -> int:
        """Requests the emulator answered on `"METHOD /path"`, optionally of one status."""
        by_status = self.control("GET", "/requests")["by_route"].get(route, {})
        if status is not None:
            return int(by_status.get(str(status), 0))
        return sum(int(n) for n in by_status.values())

    def calls_with_status(self, status: int) -> int:
        by_route = self.control("GET", "/requests")["by_route"]
        return sum(int(counts.get(str(status), 0)) for counts in by_route.values())
