from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from caunoi.training.services import enrollments_sync, training_reminders_send


# 00:30 UTC is 07:30 in Vietnam: reminders are there when officers open the dashboard in the morning.
@db_periodic_task(crontab(hour="0", minute="30"))
@lock_task("training-reminders")
def training_reminders() -> None:
    """Daily: enrol staff who took up an assigned role since yesterday, then remind the overdue."""
    enrollments_sync()
    training_reminders_send()
