"""The Huey tasks themselves (run in this process): the pump reads new messages once per turn, a
second chain stops, the deadline run escalates, and the signal after a channel task reads at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caunoi.inbox import tasks
from caunoi.inbox.models import Conversation, IngestCursor, Petition, PetitionSource
from caunoi.inbox.services import petition_create
from tests.inbox.helpers import citizen_in, inbound

pytestmark = pytest.mark.django_db


def test_the_pump_reads_new_messages_and_a_second_chain_stops(personas, monkeypatch):
    rescheduled: list[float] = []
    monkeypatch.setattr(tasks.inbox_pump_step, "schedule", lambda delay: rescheduled.append(delay))
    inbound(citizen_in(personas.units["commune"]), "Đèn đường hỏng")

    tasks.inbox_pump_step.call_local()
    assert Conversation.objects.count() == 1
    assert rescheduled == [tasks.PUMP_DELAY]

    tasks.inbox_pump_step.call_local()  # a duplicate chain, a moment later: it ends without rescheduling
    assert rescheduled == [tasks.PUMP_DELAY]

    IngestCursor.objects.filter(name="pump").update(updated_at=timezone.now() - dt.timedelta(minutes=1))
    assert tasks._pump_stale()


def test_a_completed_channel_task_reads_at_once(personas):
    inbound(citizen_in(personas.units["commune"]), "Xin hỏi lịch tiêm chủng")

    class other_task:
        pass

    tasks._after_channel_task("complete", other_task())
    assert not Conversation.objects.exists()

    webhook_task = type("webhook_event_process_task", (), {})()
    tasks._after_channel_task("complete", webhook_task)
    assert Conversation.objects.count() == 1


def test_the_deadline_run_escalates_overdue_cases(personas):
    petition = petition_create(
        citizen=citizen_in(personas.units["commune"]),
        text="Cống tắc",
        commune=personas.units["commune"],
        source=PetitionSource.PHONE,
        actor=personas.commune_officer,
    )
    Petition.objects.filter(pk=petition.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    tasks.inbox_deadlines.call_local()
    petition.refresh_from_db()
    assert petition.unit == personas.units["province"] and petition.escalated_at is not None
