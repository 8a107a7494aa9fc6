from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from caunoi.opinion import services


@db_periodic_task(crontab(minute="*"))
@lock_task("opinion-analyse")
def messages_analyse() -> None:
    """Analyse citizens' new messages every minute, a batch at a time, until none is left."""
    while services.messages_analyse_pending(limit=500):
        pass


@db_periodic_task(crontab(minute="*/15"))
@lock_task("opinion-spikes")
def spikes_detect() -> None:
    from django.utils import timezone

    services.spikes_detect(day=timezone.localdate())


@db_periodic_task(crontab(minute="7", hour="*/3"))
@lock_task("opinion-clusters")
def clusters_discover() -> None:
    services.clusters_discover()


@db_task(retries=1, retry_delay=30)
@lock_task("opinion-retrain")
def classifier_retrain_task(actor_id: int | None) -> None:
    from caunoi.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    services.classifier_retrain(actor=actor)


@db_periodic_task(crontab(minute="20"))
@lock_task("opinion-notices")
def notices_run() -> None:
    """Every hour: the week's digest to leaders (from Monday morning), the month's reminders of
    missing field reports (from the 20th), and the emails still waiting."""
    services.notices_run()
