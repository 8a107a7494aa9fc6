from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from caunoi.practices.services import replications_remind_stale


# Huey schedules in UTC: 01:30 UTC is 08:30 in Vietnam, so the reminder is fresh when offices open.
@db_periodic_task(crontab(hour="1", minute="30"))
@lock_task("practices-replications-remind")
def replications_remind() -> None:
    """Daily: flag replications without a progress report for too long (see ``stale_days``)."""
    replications_remind_stale()
