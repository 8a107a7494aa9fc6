"""Tasks are queued only once the surrounding transaction commits (a real commit: transactional_db)."""

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from caunoi.core.queue import enqueue_on_commit
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
