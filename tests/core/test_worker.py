"""A real Huey worker (`caunoi worker` in a subprocess) on the test database and the test queue."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from huey.api import TaskWrapper
from huey.contrib.djhuey import HUEY

from caunoi.citizens.models import Citizen
from caunoi.citizens.services import citizen_create
from caunoi.citizens.tasks import retention_apply
from caunoi.core.models import AuditEvent, WorkerHeartbeat
from caunoi.core.queue import enqueue_on_commit

CAUNOI = str(Path(sys.executable).with_name("caunoi"))
WAIT_SECONDS = 20


def database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        assert db["NAME"] and db["NAME"] != ":memory:" and "mode=memory" not in str(db["NAME"])
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "CAUNOI_HUEY_NAME": settings.HUEY["name"]}
    if "filename" in settings.HUEY:
        assert HUEY.storage.filename == settings.HUEY["filename"]
        env["CAUNOI_HUEY_FILE"] = settings.HUEY["filename"]
    return env


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {WAIT_SECONDS} s; worker log:\n{log.read_text(errors='replace')[-3000:]}")


def queued(task: TaskWrapper) -> int:
    """How many of this task wait in the queue; the worker's own periodic jobs may be there too."""
    return sum(1 for pending in HUEY.pending() if pending.name == task.name)


@pytest.mark.worker
def test_a_real_worker_beats_turns_health_green_and_runs_tasks_queued_on_commit(
    transactional_db, client, units, tmp_path
):
    assert not HUEY.immediate  # otherwise the task would run here, not in the worker
    HUEY.flush()
    citizen = citizen_create(home_unit=units["commune"], display_name="Anh Vàng A Sử", actor=None)
    Citizen.objects.filter(pk=citizen.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=4 * 365))
    assert client.get("/healthz").status_code == 503
    log = tmp_path / "worker.log"

    with log.open("w") as out:
        worker = subprocess.Popen(
            [CAUNOI, "worker", "--workers", "1"], env=worker_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(WorkerHeartbeat.objects.exists, "no worker heartbeat", log)
        assert worker.poll() is None
        response = client.get("/healthz")
        assert response.status_code == 200, response.json()
        assert response.json()["checks"]["worker"]["ok"] is True

        # A task queued inside a transaction that rolls back never reaches the worker.
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(retention_apply)
            raise RuntimeError("rolled back")
        assert queued(retention_apply) == 0

        # Queued inside a transaction: nothing is enqueued until the commit, then the worker runs it.
        with transaction.atomic():
            enqueue_on_commit(retention_apply)
            assert queued(retention_apply) == 0

        def erased() -> bool:
            return Citizen.objects.filter(pk=citizen.pk, erased_at__isnull=False).exists()

        wait_for(erased, "the retention task did not run", log)
        citizen.refresh_from_db()
        assert (citizen.display_name, citizen.home_unit_id) == ("", units["commune"].pk)
        run = AuditEvent.objects.get(action="retention.apply")
        assert run.summary == {"after": {"citizen_inactive": 1}}
        assert run.actor_label == "system"
    finally:
        worker.send_signal(signal.SIGINT)  # Huey's graceful shutdown
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        HUEY.flush()
    assert worker.returncode == 0, log.read_text(errors="replace")[-3000:]
