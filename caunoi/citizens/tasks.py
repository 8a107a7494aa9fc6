from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from caunoi.citizens.services import retention_apply_all


# Huey schedules in UTC: 19:15 UTC is 02:15 in Vietnam (UTC+7), a quiet hour.
@db_periodic_task(crontab(hour="19", minute="15"))
@lock_task("retention-apply")
def retention_apply() -> None:
    """Nightly: erase what has outlived its retention period."""
    retention_apply_all()
