"""Tasks are queued only once the surrounding transaction commits (a real commit: transactional_db),
and a queue that is down at that moment loses nothing."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from caunoi.core.models import PendingTask, WorkerHeartbeat
from caunoi.core.queue import enqueue_on_commit, pending_tasks_hand_over
from caunoi.core.tasks import worker_heartbeat


class Boom(Exception):
    pass


@pytest.fixture
def empty_queue():
    HUEY.flush()
    yield HUEY
    HUEY.flush()


def test_a_task_queued_in_a_rolled_back_transaction_is_never_enqueued(transactional_db, empty_queue):
    with pytest.raises(Boom), transaction.atomic():
        enqueue_on_commit(worker_heartbeat)
        raise Boom

    assert empty_queue.pending_count() == 0


def test_a_task_is_enqueued_only_when_the_transaction_commits(transactional_db, empty_queue):
    with transaction.atomic():
        enqueue_on_commit(worker_heartbeat)
        with transaction.atomic():
            enqueue_on_commit(worker_heartbeat)
        assert empty_queue.pending_count() == 0  # still inside the transaction

    assert empty_queue.pending_count() == 2
    assert {task.name for task in empty_queue.pending()} == {worker_heartbeat.task_class.__name__}


def test_a_rolled_back_savepoint_drops_only_its_own_tasks(transactional_db, empty_queue):
    with transaction.atomic():
        enqueue_on_commit(worker_heartbeat)
        with pytest.raises(Boom), transaction.atomic():
            enqueue_on_commit(worker_heartbeat)
            raise Boom

    assert empty_queue.pending_count() == 1


def test_the_sqlite_queue_syncs_like_the_main_database(settings):
    """WAL with synchronous=NORMAL (1), not SQLite's FULL (2): an fsync per enqueue tripled the cost of
    acknowledging a webhook (bench/webhook_ingest.py)."""
    if "filename" not in settings.HUEY:
        pytest.skip("the queue is Redis here")

    assert HUEY.storage.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert HUEY.storage.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_committed_task_leaves_no_pending_row_once_the_queue_has_it(transactional_db, empty_queue):
    with transaction.atomic():
        enqueue_on_commit(worker_heartbeat)
        assert PendingTask.objects.get().task == "caunoi.core.tasks.worker_heartbeat"

    assert empty_queue.pending_count() == 1
    assert not PendingTask.objects.exists()


def test_when_the_queue_is_down_the_change_still_commits_and_the_task_is_queued_later(
    transactional_db, empty_queue, monkeypatch, caplog
):
    def queue_down(task):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(empty_queue, "enqueue", queue_down)
    with transaction.atomic():
        heartbeat = WorkerHeartbeat.objects.create(name="tq-web-1", beat_at=timezone.now())
        enqueue_on_commit(worker_heartbeat)

    # The user's change is kept, no error reaches them, and the task waits as a row.
    assert WorkerHeartbeat.objects.filter(pk=heartbeat.pk).exists()
    assert PendingTask.objects.count() == 1
    assert "waits for the hand-over" in caplog.text
    assert pending_tasks_hand_over(older_than=dt.timedelta(0)) == 0  # still down: kept for next time
    assert PendingTask.objects.count() == 1

    monkeypatch.undo()  # the queue is back
    assert pending_tasks_hand_over() == 0  # too young: the request that wrote it may still hand it over
    assert pending_tasks_hand_over(older_than=dt.timedelta(0)) == 1
    assert empty_queue.pending_count() == 1
    assert not PendingTask.objects.exists()
