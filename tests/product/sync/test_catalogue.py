"""The catalogue of sync types: each type is one folder under sync/types/ whose declaration.py is
the object the catalogue holds, its docs page names that folder, the catalogue refuses
declarations that contradict each other, and no declaration field is dead."""

from __future__ import annotations

import dataclasses
import importlib
import re

import pytest

from simplecommercesync.sync import catalogue
from simplecommercesync.sync.catalogue import SYNC_TYPES, CatalogueError
from simplecommercesync.sync.engine.declaration import SyncType
from tests.product.repo_paths import REPO_ROOT

ROOT = REPO_ROOT
DOCS = ROOT / "docs"
PRODUCT = ROOT / "src" / "simplecommercesync"
TYPES = PRODUCT / "sync" / "types"

INVOICES, PAYMENTS, PRODUCTS = SYNC_TYPES["invoices"], SYNC_TYPES["payments"], SYNC_TYPES["products"]

# Fields the product never reads itself: they are a declaration's promise to its docs page, read
# by the docs tests named here. An entry leaves this list once the product reads the field.
READ_BY_DOCS_TESTS = {
    "docs_page": ROOT / "tests" / "product" / "sync" / "test_sync_docs.py",
}


def folder_of(key: str) -> str:
    return f"src/simplecommercesync/sync/types/{key}/"


@pytest.mark.parametrize("key", sorted(SYNC_TYPES))
def test_the_docs_page_names_the_code_folder(key: str) -> None:
    page = DOCS / SYNC_TYPES[key].docs_page
    assert page.exists(), f"{key}: docs/{SYNC_TYPES[key].docs_page} is missing"
    assert folder_of(key) in page.read_text(), f"docs/{page.name} should name {folder_of(key)} ({key})"


@pytest.mark.parametrize("key", sorted(SYNC_TYPES))
def test_the_code_folder_declares_the_catalogued_object(key: str) -> None:
    assert (ROOT / folder_of(key) / "declaration.py").is_file(), f"{folder_of(key)} has no declaration.py"
    module = importlib.import_module(f"simplecommercesync.sync.types.{key}.declaration")
    declared = [value for value in vars(module).values() if isinstance(value, SyncType)]
    assert len(declared) == 1, f"{module.__name__} should declare one SyncType, not {len(declared)}"
    assert declared[0] is SYNC_TYPES[key], f"{module.__name__} declares another object than the catalogue's"


def test_every_folder_under_types_is_in_the_catalogue() -> None:
    """Adding a sync type is a folder and a line in catalogue.py: a folder alone would never sync."""
    folders = {path.parent.name for path in TYPES.glob("*/declaration.py")}
    assert folders == set(SYNC_TYPES), (
        f"folders without a catalogue line: {sorted(folders - set(SYNC_TYPES))}"
    )


def test_the_real_declarations_pass_the_check() -> None:
    assert catalogue.checked(SYNC_TYPES.values()) == SYNC_TYPES


def test_a_duplicate_key_is_refused() -> None:
    with pytest.raises(CatalogueError, match="two sync types are declared as 'invoices'"):
        catalogue.checked((INVOICES, dataclasses.replace(PRODUCTS, key="invoices")))


def test_waiting_for_an_unknown_type_is_refused() -> None:
    with pytest.raises(CatalogueError, match="payments waits for 'refunds', which is not a sync type"):
        catalogue.checked((INVOICES, dataclasses.replace(PAYMENTS, waits_for="refunds")))


def test_waits_for_without_on_dependency_done_is_refused() -> None:
    with pytest.raises(CatalogueError, match="payments: waits_for and on_dependency_done go together"):
        catalogue.checked((INVOICES, dataclasses.replace(PAYMENTS, on_dependency_done=None)))


def test_on_dependency_done_without_waits_for_is_refused() -> None:
    with pytest.raises(CatalogueError, match="payments: waits_for and on_dependency_done go together"):
        catalogue.checked((INVOICES, dataclasses.replace(PAYMENTS, waits_for=None)))


def test_a_circle_of_waits_is_refused() -> None:
    circling = dataclasses.replace(
        INVOICES, waits_for="payments", on_dependency_done=PAYMENTS.on_dependency_done
    )
    with pytest.raises(CatalogueError, match="in a circle: invoices → payments → invoices"):
        catalogue.checked((circling, PAYMENTS))


def test_waiting_for_itself_is_refused() -> None:
    itself = dataclasses.replace(PAYMENTS, waits_for="payments")
    with pytest.raises(CatalogueError, match="in a circle: payments → payments"):
        catalogue.checked((INVOICES, itself))


def product_text() -> str:
    """The product's source, without what declares the fields (the engine's dataclass, each type's
    declaration.py): a field is alive when something else reads it."""
    files = [path for suffix in ("*.py", "*.html") for path in PRODUCT.rglob(suffix)]
    declaring = {PRODUCT / "sync" / "engine" / "declaration.py", *TYPES.glob("*/declaration.py")}
    return "\n".join(path.read_text() for path in sorted(files) if path not in declaring)


def read_in(field: str, text: str) -> bool:
    return re.search(rf"\.{field}\b", text) is not None


def test_every_declaration_field_is_read_by_the_product() -> None:
    text = product_text()
    unread = [
        field.name
        for field in dataclasses.fields(SyncType)
        if field.name not in READ_BY_DOCS_TESTS and not read_in(field.name, text)
    ]
    assert not unread, f"SyncType fields nothing outside the declarations reads: {unread}"


@pytest.mark.parametrize("field", sorted(READ_BY_DOCS_TESTS))
def test_fields_left_to_the_docs_tests_are_read_there_and_only_there(field: str) -> None:
    assert field in {f.name for f in dataclasses.fields(SyncType)}, f"SyncType has no field {field}"
    reader = READ_BY_DOCS_TESTS[field]
    assert read_in(field, reader.read_text()), f"{reader.name} no longer reads .{field}"
    assert not read_in(field, product_text()), (
        f"the product reads .{field} now: take it off READ_BY_DOCS_TESTS"
    )
