from __future__ import annotations

import datetime as dt
import importlib
import logging
import sqlite3
from typing import Any

import huey
from django.db import transaction
from django.utils import timezone
from huey.api import TaskWrapper
from huey.storage import SqliteStorage

logger = logging.getLogger(__name__)

# A pending row younger than this may still be handed over by the request that wrote it.
HAND_OVER_GRACE = dt.timedelta(seconds=60)


def task_path(task: TaskWrapper) -> str:
    return f"{task.func.__module__}.{task.func.__name__}"


def enqueue_on_commit(task: TaskWrapper, *args: Any, recovered_by_sweep: bool = False, **kwargs: Any) -> None:
    """Queue a Huey task once the surrounding transaction commits, never for a rolled-back write.

    The task is first written as a ``PendingTask`` row in the same transaction, and that row is removed
    once the queue has the task; if the queue is down, the commit still succeeds (the user's change is
    kept and they are told so) and the periodic hand-over queues the task later. Arguments must be
    JSON values. ``recovered_by_sweep=True`` skips the row for work that a periodic job re-derives from
    the rows anyway (stored webhooks), where the extra write would slow the hot path for nothing.
    """
    if recovered_by_sweep:
        transaction.on_commit(lambda: _enqueue(task, args, kwargs), robust=True)
        return
    from caunoi.core.models import PendingTask

    pending = PendingTask.objects.create(task=task_path(task), args=list(args), kwargs=kwargs)

    def hand_over() -> None:
        if _enqueue(task, args, kwargs):
            PendingTask.objects.filter(pk=pending.pk).delete()

    transaction.on_commit(hand_over, robust=True)


def _enqueue(task: TaskWrapper, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any]) -> bool:
    try:
        task(*args, **kwargs)
    except Exception:
        logger.exception("The queue did not take %s; it waits for the hand-over.", task_path(task))
        return False
    return True


def pending_tasks_hand_over(*, older_than: dt.timedelta = HAND_OVER_GRACE, limit: int = 1000) -> int:
    """Give the queue the tasks whose hand-over failed at commit (queue down, process killed).

    A task may run twice if the queue took it but the row's delete was lost; tasks are written to be
    safe to run again, as they must be for Huey's own retries.
    """
    from caunoi.core.models import PendingTask

    handed = 0
    due = PendingTask.objects.filter(created_at__lt=timezone.now() - older_than).order_by("pk")[:limit]
    for pending in due:
        module, _, name = pending.task.rpartition(".")
        task = getattr(importlib.import_module(module), name, None)
        if not isinstance(task, TaskWrapper):
            logger.error("Pending task %s names no task; kept for an operator.", pending.task)
            continue
        if not _enqueue(task, pending.args, pending.kwargs):
            break  # the queue is still down: try again next minute
        pending.delete()
        handed += 1
    return handed


class _SqliteStorage(SqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


class SqliteHuey(huey.SqliteHuey):
    """Huey's SQLite queue with the durability of our own database: WAL with ``synchronous=NORMAL``.

    Huey leaves SQLite's default (FULL: an fsync on every enqueue), which on ext4 also flushes what
    the request just wrote to the main database, and tripled the cost of acknowledging a webhook here
    (bench/webhook_ingest.py). NORMAL survives any crash of the application; only a power cut may lose
    the last tasks queued, as it may the last rows of the main database. Nothing is lost for good
    either way: every task is re-derivable from rows (stuck webhook events are re-queued by
    ``webhook_events_requeue``; deliveries are rows in the outbox).
    """

    storage_class = _SqliteStorage
