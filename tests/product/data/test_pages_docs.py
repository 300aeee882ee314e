"""docs/data.md must explain every status and every error the Data pages can show, in the
screen's own words."""

from __future__ import annotations

from simplecommercesync.sync.catalogue import ALL_ERROR_KINDS
from simplecommercesync.sync.engine.models import RecordStatus
from tests.product.repo_paths import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "data.md").read_text()
TEMPLATES = REPO_ROOT / "src" / "simplecommercesync" / "templates"


def test_every_error_kind_and_its_fix_is_in_the_doc() -> None:
    for kind in ALL_ERROR_KINDS:
        assert f"| {kind.title} | {kind.fix} |" in DOC, kind.key


def test_every_status_badge_is_explained() -> None:
    for status in RecordStatus:
        assert f"| {status.label} |" in DOC, status


def test_phrases_on_screen_are_in_the_doc() -> None:
    screen = " ".join(p.read_text() for p in [
        TEMPLATES / "data" / "list.html", TEMPLATES / "data" / "_error.html", TEMPLATES / "data" / "detail.html",
        TEMPLATES / "connections" / "_sync_failures.html",
    ])
    for phrase in ["Retry Sync", "Retry all failed", "Export CSV", "Retrying automatically at", "Attempt history",
                   "Connected, but syncs fail.", "Older →", "← Newer"]:
        assert phrase in screen, f"the screen no longer says {phrase!r}"
        assert phrase in DOC, f"docs/data.md lacks {phrase!r}"
