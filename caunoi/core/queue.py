from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue a Huey task once the surrounding transaction commits, never for a rolled-back write."""
    transaction.on_commit(lambda: task(*args, **kwargs))
