"""SyncGate: the per-workspace switch every sync job checks before each external call.

Syncs run only while both connections are Connected. A job that finds the gate closed stops
before its next record and leaves its remaining work queued (held, never dropped); the
`connection_healthy` signal tells the engine to release it.
"""

from __future__ import annotations

from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.providers.registry import PROVIDERS


class SyncsPaused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SyncGate:
    @staticmethod
    def closed_because(workspace_id: int) -> str | None:
        statuses = dict(
            Connection.objects.filter(workspace_id=workspace_id).values_list("provider", "status")
        )
        for key, provider in PROVIDERS.items():
            status = statuses.get(key, Status.NOT_CONNECTED)
            if status != Status.CONNECTED:
                return f"{provider.name} is {Status(status).label.lower()}"
        return None

    @classmethod
    def is_open(cls, workspace_id: int) -> bool:
        return cls.closed_because(workspace_id) is None

    @classmethod
    def check(cls, workspace_id: int) -> None:
        reason = cls.closed_because(workspace_id)
        if reason is not None:
            raise SyncsPaused(f"Syncs are paused: {reason}.")
