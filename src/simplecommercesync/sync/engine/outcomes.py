"""What an operation tells the person who asked for it. It lives at the bottom of sync/ so that the
operations, the sync types' settings pages and the pages outside sync/ all say it the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OperationResult:
    level: str  # success | warning | error
    message: str


@dataclass(frozen=True)
class Saved:
    """A sync type's settings, saved: what to say, and whether turning the sync on should start a
    full sync now (`SettingsActions.settle` starts it and says both)."""

    outcome: OperationResult
    start_full_sync: bool = False
