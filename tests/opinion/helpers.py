"""Builders for the opinion tests: citizens of a commune write in; the analysis task reads them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from caunoi.channels.models import InboundMessage
from caunoi.citizens.models import Citizen
from caunoi.geo.models import Unit
from caunoi.opinion.services import messages_analyse_pending


def citizens(unit: Unit, n: int) -> list[Citizen]:
    now = timezone.now()
    return [
        Citizen.objects.create(home_unit=unit, display_name=f"Người dân {i}", last_activity_at=now)
        for i in range(n)
    ]


def write(citizen: Citizen, text: str, *, day: dt.date | None = None) -> InboundMessage:
    when = timezone.now()
    if day is not None:
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return InboundMessage.objects.create(
        citizen=citizen,
        channel="zalo",
        provider_message_id=uuid.uuid4().hex,
        message_type="text",
        text=text,
        occurred_at=when,
    )


def analyse_all() -> int:
    total = 0
    while n := messages_analyse_pending():
        total += n
    return total
