"""Product sync (settings, added field mappings, product links) and failure-alert digests (issue 13)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sync", "0003_payment_sync"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="recordlink",
            name="kind",
            field=models.CharField(
                choices=[("invoice", "Invoice"), ("customer", "Customer"), ("product", "Product")], max_length=16
            ),
        ),
        migrations.CreateModel(
            name="ProductSyncSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=False)),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("hubspot_to_quickbooks", "HubSpot to QuickBooks"),
                            ("quickbooks_to_hubspot", "QuickBooks to HubSpot"),
                        ],
                        default="hubspot_to_quickbooks",
                        max_length=32,
                    ),
                ),
                ("income_account_id", models.CharField(blank=True, max_length=32)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "workspace",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="product_sync_settings",
                        to="accounts.workspace",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="FailureDigest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sync_type", models.CharField(max_length=32)),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("covered_until", models.DateTimeField()),
                ("failures", models.PositiveIntegerField(default=0)),
                ("recipients", models.JSONField(default=list)),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
                    ),
                ),
            ],
            options={
                "ordering": ["-sent_at", "-id"],
                "indexes": [models.Index(fields=["workspace", "sync_type", "sent_at"], name="failure_digest_latest")],
            },
        ),
        migrations.CreateModel(
            name="ProductFieldMapping",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hubspot_property", models.CharField(max_length=100)),
                ("quickbooks_field", models.CharField(max_length=32)),
                (
                    "transform",
                    models.CharField(
                        choices=[
                            ("direct", "Direct"), ("uppercase", "Uppercase"), ("lowercase", "Lowercase"),
                            ("currency", "Currency"),
                        ],
                        default="direct",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="product_mappings",
                        to="accounts.workspace",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("workspace", "quickbooks_field"), name="one_mapping_per_item_field")
                ],
            },
        ),
    ]
