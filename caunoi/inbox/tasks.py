"""Huey tasks of the inbox: the ingest pump that turns channel messages into conversations within a
second or two, automatic answers, citizens' Zalo files, status messages to citizens, reminders and escalation.

Channels never call the inbox, so the inbox reads their new rows: right after the channels' webhook
task completes in a worker (a Huey signal, throttled), and in any case from the pump, a chain of short
tasks, each scheduling the next one second later, so it never holds a worker thread; a row in
``IngestCursor`` ("pump") records the last step, which lets a second chain notice the first and
stop, and lets the watchdog (every minute, and when a worker starts) restart a chain that died.
Each read first looks ahead at the webhooks stored but not yet applied (``sos_lookahead``), so an SOS
does not wait behind hundreds of ordinary messages in the channels' queue.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task
from huey.signals import SIGNAL_COMPLETE

from caunoi.inbox.models import Entry, IngestCursor, MessageAttachment, PetitionEvent
from caunoi.inbox.services import (
    conversations_ingest,
    knowledge_answer,
    message_file_fetch,
    petition_notify,
    petitions_escalate_overdue,
    petitions_remind_due,
    sos_lookahead,
    submit_info_ingest,
)

logger = logging.getLogger(__name__)

PUMP_DELAY = 1.0  # seconds between two reads of new messages
PUMP_STALE = dt.timedelta(seconds=15)  # no step for this long: the chain has died


def ingest_once() -> int:
    sos_lookahead()
    touched = conversations_ingest()
    submit_info_ingest()
    return len(touched)


def _claim(name: str, *, min_gap: dt.timedelta) -> bool:
    """True for the one caller whose turn it is; one that finds the last turn too recent does nothing
    (a duplicate pump chain ends there)."""
    now = timezone.now()
    _row, created = IngestCursor.objects.get_or_create(name=name)
    if created:  # auto_now stamped it "just now": make the first turn free
        IngestCursor.objects.filter(name=name).update(updated_at=now - PUMP_STALE)
    with transaction.atomic():
        return bool(
            IngestCursor.objects.filter(name=name, updated_at__lt=now - min_gap).update(updated_at=now)
        )


@db_task()
def inbox_pump_step() -> None:
    if not _claim("pump", min_gap=dt.timedelta(seconds=PUMP_DELAY / 2)):
        return
    try:
        ingest_once()
    finally:
        inbox_pump_step.schedule(delay=PUMP_DELAY)


def _pump_stale() -> bool:
    row = IngestCursor.objects.filter(name="pump").first()
    return row is None or row.updated_at < timezone.now() - PUMP_STALE


@db_periodic_task(crontab(minute="*"))
@lock_task("inbox-pump-watchdog")
def inbox_pump_watchdog() -> None:
    if _pump_stale():
        inbox_pump_step()


@HUEY.on_startup()
def _pump_on_startup() -> None:
    from django.db import close_old_connections

    close_old_connections()
    try:
        if _pump_stale():
            inbox_pump_step()
    except DatabaseError:  # not migrated yet: the watchdog starts the pump once it is
        return


# The channels' task that turns a stored webhook into an InboundMessage. When it completes in this
# worker, the inbox reads at once instead of waiting for the next pump step (at most every 0.2 s).
CHANNEL_TASKS = frozenset({"webhook_event_process_task"})
SIGNAL_GAP = dt.timedelta(seconds=0.2)


@HUEY.signal(SIGNAL_COMPLETE)
def _after_channel_task(signal: str, task: Any, *args: Any, **kwargs: Any) -> None:
    if type(task).__name__ not in CHANNEL_TASKS:
        return
    try:
        if _claim("signal", min_gap=SIGNAL_GAP):
            ingest_once()
    except Exception:  # never disturb the channels' task; the pump reads the message a moment later
        logger.exception("inbox ingest after a channel task failed")


@db_task()
def inbox_ingest_now() -> None:
    ingest_once()


@db_task(retries=2, retry_delay=30)
def knowledge_answer_task(entry_id: int) -> None:
    entry = (
        Entry.objects.select_related("conversation", "conversation__citizen", "conversation__unit", "inbound")
        .filter(pk=entry_id)
        .first()
    )
    if entry is not None:
        knowledge_answer(entry=entry)


# A citizen's photo or file on Zalo: tried at once, then 4 more times over about 20 minutes (the link
# lives about 7 days, so a short outage of the file host costs nothing); the last failure is recorded.
FILE_RETRIES = 4


@db_task(retries=FILE_RETRIES, retry_delay=300, context=True)
def message_file_fetch_task(file_id: int, task: Any = None) -> None:
    file = (
        MessageAttachment.objects.select_related("entry", "entry__inbound", "entry__conversation__unit")
        .filter(pk=file_id)
        .first()
    )
    if file is not None:
        message_file_fetch(file=file, final=task is None or task.retries == 0)


@db_task(retries=3, retry_delay=60)
def petition_notify_task(event_id: int) -> None:
    event = PetitionEvent.objects.select_related("petition", "petition__citizen").filter(pk=event_id).first()
    if event is not None:
        petition_notify(event=event)


@db_periodic_task(crontab(minute="*/5"))
@lock_task("inbox-deadlines")
def inbox_deadlines() -> None:
    """Remind before the due date, then escalate what is overdue to the parent unit."""
    petitions_remind_due()
    petitions_escalate_overdue()
