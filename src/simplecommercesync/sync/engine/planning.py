"""What a dry run says about one record: the action the sync would take, and why.

A sync type's handler supports Preview by having

    def preview(self, context: SyncContext, source_ids: Sequence[str]) -> list[PlannedRow]

which reads both sides exactly as `process` would (batch reads, the same matching, the same
fingerprints), decides, and writes nothing anywhere: no provider write, no write-back, no property
creation, no links or records stored. `sync.preview.preview()` feeds it batches of the records a
run would consider now.
"""

from __future__ import annotations

from dataclasses import dataclass

# In table order. What a real run then records for each: create → "created", update → "updated",
# void → "voided", unchanged → "unchanged", skip → a skipped attempt, fail → a failed one.
ACTIONS: dict[str, str] = {
    "create": "Create",
    "update": "Update",
    "void": "Void",
    "unchanged": "Unchanged",
    "skip": "Skip",
    "fail": "Fail",
}


class PreviewUnavailable(Exception):
    """Raised by a handler's `preview` when it can't plan in the current settings; the message is
    shown as is (say why and what to do)."""


@dataclass(frozen=True)
class PlannedRow:
    source_id: str
    label: str
    action: str  # a key of ACTIONS
    # Why: the skip reason, the failure message (with its kind's title), or what would change.
    reason: str = ""
    error_kind: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown planned action {self.action!r}")
