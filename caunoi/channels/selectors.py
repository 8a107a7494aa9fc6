from __future__ import annotations

import datetime as dt

from django.utils import timezone

from caunoi.channels.models import WebhookEvent


def webhook_events_stuck(*, older_than: dt.timedelta, limit: int = 1000) -> list[int]:
    """Stored events still unprocessed after ``older_than`` (a lost task, a crashed worker)."""
    cutoff = timezone.now() - older_than
    return list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
