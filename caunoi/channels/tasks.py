from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from caunoi.channels.models import WebhookEvent
from caunoi.channels.selectors import webhook_events_stuck
from caunoi.channels.services import webhook_event_process, zalo_tokens_refresh_due


@db_task(retries=5, retry_delay=10)
def webhook_event_process_task(event_id: int) -> None:
    stored = WebhookEvent.objects.filter(pk=event_id).first()
    if stored is not None:
        webhook_event_process(stored=stored)


@db_periodic_task(crontab(minute="*/5"))
@lock_task("webhook-events-requeue")
def webhook_events_requeue() -> None:
    """Nothing acknowledged is lost: events whose task vanished are queued again."""
    for event_id in webhook_events_stuck(older_than=dt.timedelta(minutes=5)):
        webhook_event_process_task(event_id)


@db_periodic_task(crontab(minute="*/15"))
@lock_task("zalo-tokens-refresh")
def zalo_tokens_refresh() -> None:
    """Refresh access tokens before they expire (~25 h), so sends never wait on it."""
    zalo_tokens_refresh_due()
