from __future__ import annotations

import sqlite3
from typing import Any

import huey
from django.db import transaction
from huey.storage import SqliteStorage


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue a Huey task once the surrounding transaction commits, never for a rolled-back write."""
    transaction.on_commit(lambda: task(*args, **kwargs))


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
