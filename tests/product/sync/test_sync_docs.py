"""Every error a record can show on screen is in the docs, with its fix word for word: each
registered sync type names its docs page, and that page explains every kind it can show."""

from __future__ import annotations

import importlib

import pytest

from simplecommercesync.sync.catalogue import SYNC_TYPES
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.invoices import errors as invoice_errors
from tests.product.repo_paths import REPO_ROOT

DOCS = REPO_ROOT / "docs"
SRC = REPO_ROOT / "src"


def every_kind_defined() -> list[errors.ErrorKind]:
    """Every kind of every errors.py under sync/: the engine's, the mapping's, each sync type's."""
    modules = sorted(".".join(path.relative_to(SRC).with_suffix("").parts)
                     for path in (SRC / "simplecommercesync" / "sync").rglob("errors.py"))
    return [value for name in modules for value in vars(importlib.import_module(name)).values()
            if isinstance(value, errors.ErrorKind)]


@pytest.mark.parametrize("key", sorted(SYNC_TYPES))
def test_every_on_screen_error_kind_of_the_sync_type_is_in_its_docs_page(key: str) -> None:
    sync_type = SYNC_TYPES[key]
    assert sync_type.docs_page, f"{key}: name its page of docs/ in its declaration (docs_page)"
    page = DOCS / sync_type.docs_page
    assert page.exists(), f"{key}: docs/{sync_type.docs_page} is missing"
    text = page.read_text()
    kinds = [*errors.ENGINE_KINDS, *sync_type.error_kinds]
    for kind in kinds:
        assert f"### {kind.title}" in text, f"docs/{sync_type.docs_page} has no '### {kind.title}' ({key})"
        assert kind.fix in text, f"docs/{sync_type.docs_page} lacks the fix of {kind.key} word for word ({key})"


def test_every_error_kind_belongs_to_a_sync_type() -> None:
    """A kind no sync type declares would escape the check above."""
    shown = {k.key for k in errors.ENGINE_KINDS} | {k.key for t in SYNC_TYPES.values() for k in t.error_kinds}
    orphans = [kind.key for kind in every_kind_defined() if kind.key not in shown]
    assert not orphans, f"declare these in a sync type's error_kinds (types/<type>/declaration.py): {orphans}"


def test_every_error_kind_is_in_the_data_page_table() -> None:
    text = (DOCS / "data.md").read_text()
    for kind in every_kind_defined():
        assert f"| {kind.title} | {kind.fix} |" in text, kind.key


def test_tax_docs_carry_the_unmapped_rate_fix() -> None:
    text = (DOCS / "tax.md").read_text()
    assert mapping_errors.UNMAPPED_TAX_RATE.fix in text and invoice_errors.TOTALS_DIFFER_FIX in text
