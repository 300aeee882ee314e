"""Sync failure alerts: one digest per sync type at most once an hour, to the admins whose switch
is on, listing only new failures with links to their Data rows. Time is moved with time-machine,
never slept; mail goes through Django's real backends (locmem in tests, a file backend below)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail

from simplecommercesync.accounts.models import Role, User, Workspace
from simplecommercesync.config import ConfigError, parse_email
from simplecommercesync.sync.alert_tasks import send_failure_digests_task
from simplecommercesync.sync.alerts import send_failure_digests
from simplecommercesync.sync.engine import errors
from simplecommercesync.sync.engine.models import FailureDigest, RecordStatus, SyncRecord
from simplecommercesync.sync.mapping import errors as mapping_errors
from simplecommercesync.sync.types.products import errors as product_errors
from tests.product.conftest import PASSWORD

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fail(workspace: Workspace, sync_type: str, source_id: str, label: str, kind: errors.ErrorKind,
         message: str) -> SyncRecord:
    return SyncRecord.objects.create(
        workspace=workspace, sync_type=sync_type, source_account="2468101", source_id=source_id, label=label,
        status=RecordStatus.FAILED, error_kind=kind.key, error_message=message, error_fix=kind.fix)


@pytest.fixture
def people(workspace: Workspace, admin: User) -> dict[str, User]:
    quiet = User.objects.create_user("quiet@acme.example", PASSWORD, workspace=workspace, role=Role.ADMIN,
                                     notify_sync_failures=False)
    member = User.objects.create_user("member@acme.example", PASSWORD, workspace=workspace, role=Role.MEMBER)
    other = Workspace.objects.create(name="Other")
    stranger = User.objects.create_user("admin@other.example", PASSWORD, workspace=other, role=Role.ADMIN)
    return {"admin": admin, "quiet": quiet, "member": member, "stranger": stranger}


def test_digest_once_an_hour_per_sync_type_with_only_new_failures(
        settings: Any, workspace: Workspace, people: dict[str, User]) -> None:
    settings.SCS_BASE_URL = "https://sync.acme.example"
    with time_machine.travel(T0, tick=False) as clock:
        inv = fail(workspace, "invoices", "101", "Invoice INV-1001", mapping_errors.SKU_NOT_FOUND, "SKU not found: PACK-65L")
        fail(workspace, "invoices", "102", "Invoice INV-1002", mapping_errors.CUSTOMER_EMAIL_MISSING,
             "Customer email missing: Felix Haddad has no email address in HubSpot.")
        prod = fail(workspace, "products", "201", "PACK-65L · Backpack", product_errors.SKU_NOT_UNIQUE, "SKU used twice")
        clock.shift(timedelta(minutes=5))

        digests = send_failure_digests()

        assert sorted((d.sync_type, d.failures) for d in digests) == [("invoices", 2), ("products", 1)]
        assert {m.to[0] for m in mail.outbox} == {"admin@acme.example"}  # not the quiet admin, member, stranger
        assert len(mail.outbox) == 2
        invoices_mail = next(m for m in mail.outbox if "invoices" in m.subject)
        assert invoices_mail.subject == "SimpleCommerceSync: 2 invoices failed to sync (Acme)"
        body = invoices_mail.body
        assert "Invoice INV-1001 — SKU not found: SKU not found: PACK-65L" in body
        assert mapping_errors.SKU_NOT_FOUND.fix in body and mapping_errors.CUSTOMER_EMAIL_MISSING.fix in body
        assert f"https://sync.acme.example/data/invoices/{inv.pk}/" in body
        assert "Settings → Account" in body and "Sync failure alerts" in body
        products_mail = next(m for m in mail.outbox if "product" in m.subject)
        assert products_mail.subject == "SimpleCommerceSync: 1 product failed to sync (Acme)"
        assert f"https://sync.acme.example/data/products/{prod.pk}/" in products_mail.body

        # A new failure 10 minutes later waits: no second digest within the hour.
        clock.shift(timedelta(minutes=10))
        later = fail(workspace, "invoices", "103", "Invoice INV-1003", mapping_errors.ALREADY_SYNCED, "Already synced")
        clock.shift(timedelta(minutes=20))
        assert send_failure_digests() == [] and len(mail.outbox) == 2

        # An hour after the first digest it goes, with only the new failure.
        clock.shift(timedelta(minutes=31))
        digests = send_failure_digests()
        assert [(d.sync_type, d.failures) for d in digests] == [("invoices", 1)]
        assert len(mail.outbox) == 3
        body = mail.outbox[2].body
        assert "Invoice INV-1003" in body and f"/data/invoices/{later.pk}/" in body and "INV-1001" not in body

        # Nothing new: nothing sent, however often the task runs.
        clock.shift(timedelta(hours=2))
        send_failure_digests_task.call_local()
        assert len(mail.outbox) == 3


def test_nobody_to_tell_moves_the_cursor_without_mail(workspace: Workspace, admin: User) -> None:
    User.objects.filter(pk=admin.pk).update(notify_sync_failures=False)
    with time_machine.travel(T0, tick=False) as clock:
        fail(workspace, "invoices", "101", "Invoice INV-1001", mapping_errors.SKU_NOT_FOUND, "SKU not found: X")
        clock.shift(timedelta(minutes=1))
        assert [d.recipients for d in send_failure_digests()] == [[]]
        assert mail.outbox == []
        # Switching alerts on later does not mail that old failure.
        User.objects.filter(pk=admin.pk).update(notify_sync_failures=True)
        clock.shift(timedelta(hours=2))
        assert send_failure_digests() == [] and mail.outbox == []


def test_failures_fixed_before_the_digest_are_not_listed(workspace: Workspace, admin: User) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        record = fail(workspace, "invoices", "101", "Invoice INV-1001", mapping_errors.SKU_NOT_FOUND, "SKU not found: X")
        clock.shift(timedelta(minutes=1))
        SyncRecord.objects.filter(pk=record.pk).update(status=RecordStatus.SUCCESS, error_kind="")
        assert send_failure_digests() == [] and mail.outbox == []
        assert not FailureDigest.objects.exists()


def test_file_backend_writes_the_digest_to_a_file(settings: Any, tmp_path: Path, workspace: Workspace,
                                                  admin: User) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    with time_machine.travel(T0, tick=False) as clock:
        fail(workspace, "products", "201", "PACK-65L · Backpack", product_errors.INCOME_ACCOUNT_MISSING, "No income account")
        clock.shift(timedelta(minutes=1))
        send_failure_digests()
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "To: admin@acme.example" in written and product_errors.INCOME_ACCOUNT_MISSING.fix in written


def test_email_configuration_from_the_environment(tmp_path: Path) -> None:
    base = "https://sync.acme.example"
    default = parse_email({}, tmp_path, base)
    assert default.backend_path.endswith("console.EmailBackend")
    assert default.from_address == "SimpleCommerceSync <no-reply@sync.acme.example>"
    files = parse_email({"SCS_EMAIL_BACKEND": "file"}, tmp_path, base)
    assert files.file_dir == (tmp_path / "mail").resolve()
    smtp = parse_email({"SCS_EMAIL_BACKEND": "smtp", "SCS_SMTP_HOST": "smtp.acme.example", "SCS_SMTP_USER": "u",
                        "SCS_SMTP_PASSWORD": "hunter2-secret", "SCS_SMTP_SECURITY": "ssl"}, tmp_path, base)
    assert (smtp.smtp_host, smtp.smtp_port, smtp.smtp_security) == ("smtp.acme.example", 465, "ssl")
    assert "hunter2-secret" not in repr(smtp)
    with pytest.raises(ConfigError, match="SCS_SMTP_HOST"):
        parse_email({"SCS_EMAIL_BACKEND": "smtp"}, tmp_path, base)
    with pytest.raises(ConfigError, match="console, file or smtp"):
        parse_email({"SCS_EMAIL_BACKEND": "pigeon"}, tmp_path, base)
