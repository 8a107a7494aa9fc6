from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from caunoi.core.queue import pending_tasks_hand_over
from caunoi.core.services import worker_heartbeat_record


@HUEY.on_startup()
def _heartbeat_on_startup() -> None:
    # Say "alive" at once rather than up to a minute after start, so /healthz turns green quickly.
    from django.db import close_old_connections

    close_old_connections()
    worker_heartbeat_record()


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    worker_heartbeat_record()


@db_periodic_task(crontab(minute="*"))
def pending_tasks() -> None:
    """Queue the work whose hand-over failed when its change was committed (caunoi.core.queue)."""
    pending_tasks_hand_over()


# 19:40 UTC is 02:40 in Vietnam.
@db_periodic_task(crontab(hour="19", minute="40"))
def housekeeping() -> None:
    """Drop expired sessions, login-attempt records older than the lockout window, full rate buckets."""
    from django.core.management import call_command

    from caunoi.core.ratelimit import rate_limit_buckets_prune

    call_command("clearsessions")
    call_command("axes_reset_logs", age=30)
    rate_limit_buckets_prune()
