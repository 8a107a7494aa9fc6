from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from caunoi.citizens.services import retention_apply_all


@db_periodic_task(crontab(hour="2", minute="15"))
@lock_task("retention-apply")
def retention_apply() -> None:
    """Nightly: erase what has outlived its retention period."""
    retention_apply_all()
