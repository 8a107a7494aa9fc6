from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from caunoi.channels.loudspeaker import SpeechEngineMissing
from caunoi.channels.models import WebhookEvent, WebPost, ZaloAccount
from caunoi.channels.selectors import webhook_events_stuck
from caunoi.channels.services import (
    web_post_audio_synthesize,
    webhook_event_process,
    zalo_followers_backfill,
    zalo_tag_sync,
    zalo_tokens_refresh_due,
)


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


@db_task(retries=2, retry_delay=30)
def web_post_audio_task(post_id: int) -> None:
    """Speak a public announcement for the loudspeaker feed; a missing engine is not worth retrying."""
    post = WebPost.objects.filter(pk=post_id).first()
    if post is None:
        return
    try:
        web_post_audio_synthesize(post=post)
    except SpeechEngineMissing:
        return  # recorded on the post, which says so on the Public page; other failures are retried


@db_task(retries=2, retry_delay=60)
def zalo_followers_backfill_task(account_id: int, actor_id: int | None) -> None:
    from caunoi.accounts.models import User

    account = ZaloAccount.objects.filter(pk=account_id).first()
    if account is not None:
        actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
        zalo_followers_backfill(account=account, actor=actor)


@db_task(retries=3, retry_delay=60)
@lock_task("zalo-tag-sync")
def zalo_tag_sync_task(account_id: int, tag: str, citizen_ids: list[int]) -> None:
    """Keep one OA tag equal to a segment (called by whoever owns the segment, with its members)."""
    account = ZaloAccount.objects.filter(pk=account_id).first()
    if account is not None:
        zalo_tag_sync(account=account, tag=tag, citizen_ids=citizen_ids, actor=None)
