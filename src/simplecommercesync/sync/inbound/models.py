"""What inbound keeps: the Intuit webhook events already taken, so a redelivery is not redone."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class QuickBooksWebhookEvent(models.Model):
    """An Intuit webhook event already taken: a redelivery with the same id is answered, not redone."""

    event_id = models.CharField(max_length=200, unique=True)
    realm_id = models.CharField(max_length=32)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.event_id} ({self.realm_id})"
