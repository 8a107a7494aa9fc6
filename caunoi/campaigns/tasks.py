"""Huey tasks of the delivery engine: take ids, call the engine, decide when to look again.

Alerts run at the top priority on every queue (Huey orders pending tasks by priority, highest first),
so an alert's senders overtake a weekly bulletin's.
"""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from caunoi.campaigns import conf, engine, services
from caunoi.campaigns.models import Campaign, CampaignState, Priority, Segment

PRIORITIES = {Priority.EMERGENCY: 100, Priority.PRIORITY: 50, Priority.NORMAL: 10}


def task_priority(campaign: Campaign) -> int:
    return PRIORITIES.get(Priority(campaign.priority), 10)


def senders_start(campaign: Campaign, *, eta: dt.datetime | None = None) -> None:
    for _ in range(conf.senders()):
        if eta is None:
            campaign_dispatch_task(campaign.pk, priority=task_priority(campaign))
        else:
            campaign_dispatch_task.schedule((campaign.pk,), eta=eta, priority=task_priority(campaign))


@db_task(retries=3, retry_delay=10)
def campaign_start_task(campaign_id: int) -> None:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.state != CampaignState.SENDING:
        return
    services.campaign_start(campaign=campaign)
    senders_start(campaign)


@db_task()
def campaign_dispatch_task(campaign_id: int) -> None:
    """One sender: send until nothing is due, then come back when the next retry falls due."""
    again = engine.dispatch(campaign_id)
    if again is not None:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is not None and campaign.state == CampaignState.SENDING:
            campaign_dispatch_task.schedule((campaign_id,), eta=again, priority=task_priority(campaign))


@db_periodic_task(crontab(minute="*"))
@lock_task("campaigns-tick")
def campaigns_tick() -> None:
    """Every minute: recover rows of dead senders, start scheduled campaigns, restart senders whose task
    was lost, carry receipts over, and schedule next week's bulletin."""
    engine.deliveries_recover()
    services.campaigns_start_due()
    for campaign in Campaign.objects.filter(state=CampaignState.SENDING, started_at__isnull=False):
        if engine.due_pending(campaign):
            senders_start(campaign)
    engine.receipts_sync()
    for campaign in Campaign.objects.filter(
        state=CampaignState.COMPLETED, recurrence="weekly", occurrences__isnull=True
    ):
        services.campaign_recur(campaign=campaign)


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("segments-tags-sync")
def segments_tags_sync() -> None:
    """Nightly: rule segments change as residents move, consent or choose a language; their OA tags follow."""
    for segment in Segment.objects.filter(is_static=False).select_related("unit"):
        services.segment_tags_sync(segment=segment)
