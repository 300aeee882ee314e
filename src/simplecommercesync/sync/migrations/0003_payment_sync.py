"""Payment sync (issue 11): Settings → Sync → Payments, and which invoice each payment belongs to."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import simplecommercesync.sync.types.payments.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sync", "0002_engine_followups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PaymentSyncSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=False)),
                ("status_filter", models.JSONField(default=simplecommercesync.sync.types.payments.models.default_payment_statuses)),
                ("require_invoice", models.BooleanField(default=True)),
                ("sync_refunds", models.BooleanField(default=True)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("workspace", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="payment_sync_settings", to="accounts.workspace")),
            ],
        ),
        migrations.CreateModel(
            name="PaymentInvoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hubspot_invoice_id", models.CharField(max_length=64)),
                ("invoice_label", models.CharField(blank=True, max_length=255)),
                ("quickbooks_invoice_id", models.CharField(blank=True, max_length=64)),
                ("applied_amount", models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                ("waiting", models.BooleanField(default=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("payment_record", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                     related_name="payment_invoices", to="sync.syncrecord")),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                to="accounts.workspace")),
            ],
            options={
                "indexes": [models.Index(fields=["workspace", "hubspot_invoice_id"], name="payment_invoice_lookup")],
                "constraints": [models.UniqueConstraint(fields=("payment_record", "hubspot_invoice_id"),
                                                        name="one_row_per_payment_invoice")],
            },
        ),
    ]
