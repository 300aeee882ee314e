"""The repository's root, for the tests that read its files (docs/, src/, deploy/): found once by
walking up to pyproject.toml, so a test file can move between folders without counting parents."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = next(path for path in Path(__file__).resolve().parents if (path / "pyproject.toml").is_file())
