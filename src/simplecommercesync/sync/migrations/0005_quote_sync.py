"""Quote ↔ estimate sync, the two-way state of linked pairs, QuickBooks webhook dedupe and the
reverse (QuickBooks → HubSpot) unmapped tax behaviour (issue 12)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import simplecommercesync.sync.types.quotes.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sync", "0004_product_sync"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="QuickBooksWebhookEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.CharField(max_length=200, unique=True)),
                ("realm_id", models.CharField(max_length=32)),
                ("received_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
        ),
        migrations.AddField(
            model_name="taxsettings",
            name="reverse_unmapped_behavior",
            field=models.CharField(
                choices=[("no_tax", "Leave the Line Without a Tax Rate"), ("strict", "Fail the Sync (Strict Mode)")],
                default="no_tax", max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="recordlink",
            name="kind",
            field=models.CharField(
                choices=[("invoice", "Invoice"), ("customer", "Customer"), ("product", "Product"), ("quote", "Quote")],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="QuoteSyncSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=False)),
                ("direction", models.CharField(
                    choices=[("hubspot_to_quickbooks", "HubSpot to QuickBooks"),
                             ("quickbooks_to_hubspot", "QuickBooks to HubSpot"), ("bidirectional", "Bidirectional")],
                    default="hubspot_to_quickbooks", max_length=32)),
                ("status_filter", models.JSONField(default=simplecommercesync.sync.types.quotes.models.default_quote_statuses)),
                ("sync_void_status", models.BooleanField(default=True)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
                ("workspace", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, related_name="quote_sync_settings",
                    to="accounts.workspace")),
            ],
        ),
        migrations.CreateModel(
            name="TwoWayState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hubspot_fingerprint", models.CharField(blank=True, max_length=64)),
                ("quickbooks_fingerprint", models.CharField(blank=True, max_length=64)),
                ("hubspot_modified_at", models.DateTimeField(blank=True, null=True)),
                ("quickbooks_modified_at", models.DateTimeField(blank=True, null=True)),
                ("last_written_side", models.CharField(blank=True, max_length=16)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("link", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, related_name="two_way", to="sync.recordlink")),
            ],
        ),
    ]
