"""The daily reminder task, run by a real Huey worker on the test database."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.training.models import Enrollment, Reminder
from caunoi.training.tasks import training_reminders
from tests.conftest import make_staff
from tests.core.test_worker import CAUNOI, wait_for, worker_env
from tests.training.helpers import assign, build_course


@pytest.mark.worker
def test_the_worker_enrols_newcomers_and_writes_reminders_for_the_overdue(
    transactional_db, personas, tmp_path
):
    assert not HUEY.immediate
    HUEY.flush()
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor)
    assign(course, p.units["province"], p.editor)
    make_staff("xa.moi", Role.COMMUNE_OFFICER, p.units["sibling"])
    Enrollment.objects.filter(course=course).update(due_on=timezone.localdate() - dt.timedelta(days=5))
    training_reminders()  # enqueues the periodic task once, as the scheduler would
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [CAUNOI, "worker", "--workers", "1"], env=worker_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(
            lambda: AuditEvent.objects.filter(action="training.reminders").exists(), "no reminder run", log
        )
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        HUEY.flush()
    # The newcomer was enrolled by the sync (with the assignment's own due date, so not overdue).
    assert Enrollment.objects.filter(course=course, user__username="xa.moi").exists()
    reminded = set(Reminder.objects.values_list("enrollment__user__username", flat=True))
    assert reminded == {"xa.officer", "xa.sibling"}
    run = AuditEvent.objects.get(action="training.reminders")
    assert run.actor_label == "system"
    assert run.summary["after"]["written"] == 2
