"""Hạn giải quyết: due dates counted in Vietnamese working days, with the clock stopped while waiting.

The calendar itself (weekends, Tết and Hùng Kings' day from the lunar calendar, extra days off) is
``caunoi.core.workdays``; this module only applies it to cases.
"""

from __future__ import annotations

import datetime as dt

from caunoi.core.workdays import add_working_days, working_days_between
from caunoi.inbox.models import DeadlineRule, PetitionKind

# Statutory defaults (vietnam-context §3.5), used until an administrator sets their own.
DEFAULT_WORKING_DAYS: dict[str, int] = {
    PetitionKind.FEEDBACK: 10,
    PetitionKind.PETITION: 15,
    PetitionKind.COMPLAINT: 30,
    PetitionKind.DENUNCIATION: 30,
}
DEFAULT_REMIND_BEFORE = 2


def rule_for(kind: str) -> tuple[int, int]:
    """(working days to answer, working days before the due date to remind) for one kind of case."""
    rule = DeadlineRule.objects.filter(kind=kind).first()
    if rule is None:
        return DEFAULT_WORKING_DAYS.get(kind, 15), DEFAULT_REMIND_BEFORE
    return rule.working_days, rule.remind_days_before


def due_from(received_at: dt.datetime, kind: str) -> dt.datetime:
    days, _ = rule_for(kind)
    return add_working_days(received_at, days)


def due_after_pause(due_at: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
    """The clock stood still from ``paused_at`` to ``resumed_at``: those working days are given back."""
    return add_working_days(due_at, max(0, working_days_between(paused_at, resumed_at)))


def working_days_left(due_at: dt.datetime, now: dt.datetime) -> int:
    """Whole working days until the deadline (negative once it has passed)."""
    return working_days_between(now, due_at)
