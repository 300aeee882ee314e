"""Delivers an emulator's webhook payloads to the subscriber in the background, retrying with backoff."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable

import httpx

logger = logging.getLogger(__name__)


class WebhookDispatcher:
    def __init__(
        self,
        url: str,
        sign: Callable[[bytes], dict[str, str]],
        attempts: int = 6,
        first_delay_s: float = 0.5,
    ) -> None:
        self.url = url
        self._sign = sign
        self._attempts = attempts
        self._first_delay_s = first_delay_s
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self.delivered = 0
        self.failed = 0
        self._unsettled = 0
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def send(self, payload: object) -> None:
        with self._count_lock:
            self._unsettled += 1
        self._queue.put(json.dumps(payload, separators=(",", ":")).encode())

    @property
    def pending(self) -> int:
        """Payloads queued or being delivered (retries included): 0 once every send has settled."""
        return self._unsettled

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                body = self._queue.get()
                if body is None:
                    return
                if self._deliver(client, body):
                    self.delivered += 1
                else:
                    self.failed += 1
                with self._count_lock:
                    self._unsettled -= 1

    def _deliver(self, client: httpx.Client, body: bytes) -> bool:
        delay = self._first_delay_s
        for attempt in range(1, self._attempts + 1):
            headers = {"Content-Type": "application/json", **self._sign(body)}
            try:
                response = client.post(self.url, content=body, headers=headers)
                if response.is_success:
                    return True
                logger.warning("webhook attempt %d got HTTP %d", attempt, response.status_code)
            except httpx.HTTPError as exc:
                logger.warning("webhook attempt %d failed: %s", attempt, type(exc).__name__)
            if attempt < self._attempts:
                time.sleep(delay)
                delay *= 2
        return False
