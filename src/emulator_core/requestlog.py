"""A counted log of the API calls an emulator answered, for benchmarks and test assertions."""

from __future__ import annotations

import threading
from collections import Counter, deque
from datetime import UTC, datetime
from typing import Any

RECENT_KEPT = 500


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, int]] = Counter()
        self._deprecated: Counter[str] = Counter()
        self._recent: deque[dict[str, Any]] = deque(maxlen=RECENT_KEPT)
        self._total = 0

    def record(
        self, method: str, path: str, status: int, tenant: str | None = None, *, deprecated: bool = False
    ) -> None:
        entry = {
            "method": method,
            "path": path,
            "status": status,
            "tenant": tenant,
            "at": datetime.now(UTC).isoformat(),
        }
        if deprecated:
            entry["deprecated"] = True
        with self._lock:
            self._total += 1
            self._counts[(f"{method} {path}", status)] += 1
            if deprecated:
                self._deprecated[f"{method} {path}"] += 1
            self._recent.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._deprecated.clear()
            self._recent.clear()
            self._total = 0

    def summary(self) -> dict[str, Any]:
        with self._lock:
            by_route: dict[str, dict[str, int]] = {}
            for (route, status), count in sorted(self._counts.items()):
                by_route.setdefault(route, {})[str(status)] = count
            return {
                "total": self._total,
                "by_route": by_route,
                "deprecated": dict(sorted(self._deprecated.items())),
                "recent": list(self._recent),
            }
