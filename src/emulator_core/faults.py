"""Faults a test or benchmark asks an emulator to inject: an error status, a delay or a dropped connection."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FaultRule:
    path_regex: str
    method: str | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float | None = None
    # Handle the request, then hold its answer this long: the work is done even if the client has
    # given up (a lost answer after, say, a refresh-token rotation).
    answer_delay_s: float | None = None
    reset_connection: bool = False
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.path_regex, path) is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """Rules are consumed in the order they were added; each fires `times` times, then is gone."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> dict[str, Any]:
        rule = self._parse(spec)
        with self._lock:
            self._rules.append(rule)
        return rule.to_dict()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_dict() for rule in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    @staticmethod
    def _parse(spec: dict[str, Any]) -> FaultRule:
        if not isinstance(spec, dict):
            raise ValueError("A fault is a JSON object.")
        path_regex = spec.get("path_regex")
        if not isinstance(path_regex, str) or not path_regex:
            raise ValueError("path_regex is required (a regular expression matched against the path).")
        try:
            re.compile(path_regex)
        except re.error as exc:
            raise ValueError(f"path_regex is not a valid regular expression: {exc}") from exc
        kinds = [
            k
            for k in ("status", "delay_s", "answer_delay_s", "reset_connection")
            if spec.get(k) not in (None, False)
        ]
        if len(kinds) != 1:
            raise ValueError("Give exactly one of status, delay_s, answer_delay_s or reset_connection.")
        times = spec.get("times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError("times must be a whole number of at least 1.")
        status = spec.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise ValueError("status must be an HTTP status code (100-599).")
        delay = spec.get("delay_s")
        if delay is not None and (not isinstance(delay, int | float) or delay < 0):
            raise ValueError("delay_s must be a non-negative number of seconds.")
        answer_delay = spec.get("answer_delay_s")
        if answer_delay is not None and (not isinstance(answer_delay, int | float) or answer_delay < 0):
            raise ValueError("answer_delay_s must be a non-negative number of seconds.")
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be an HTTP method name.")
        headers = spec.get("headers") or {}
        if not isinstance(headers, dict):
            raise ValueError("headers must be an object of strings.")
        return FaultRule(
            path_regex=path_regex,
            method=method.upper() if method else None,
            status=status,
            body=spec.get("body"),
            headers={str(k): str(v) for k, v in headers.items()},
            delay_s=float(delay) if delay is not None else None,
            answer_delay_s=float(answer_delay) if answer_delay is not None else None,
            reset_connection=bool(spec.get("reset_connection")),
            times=times,
        )
