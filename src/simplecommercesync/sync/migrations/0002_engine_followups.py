"""The engine's own follow-ups (issue 10): the Data pages' newest-first index, and line-item
changes kept in the database until an invoices drain resolves them."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sync", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="syncrecord",
            index=models.Index(fields=["workspace", "sync_type", "updated_at", "id"], name="sync_record_newest"),
        ),
        migrations.CreateModel(
            name="LineItemChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hubspot_portal_id", models.CharField(max_length=32)),
                ("line_item_id", models.CharField(max_length=64)),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "hubspot_portal_id", "line_item_id"), name="one_change_per_line_item"
                    )
                ],
            },
        ),
    ]
