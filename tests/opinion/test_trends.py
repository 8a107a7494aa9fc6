"""From citizens' inbound messages to redacted rows, counts per topic x commune x day, spikes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caunoi.core.models import AuditEvent
from caunoi.geo.models import Unit
from caunoi.opinion.models import AnalysedMessage, ContributorMark, SpikeAlert, Topic, TopicDayCount
from caunoi.opinion.services import contributor_mark, spikes_detect
from tests.conftest import Personas
from tests.opinion.helpers import analyse_all, citizens, write

pytestmark = pytest.mark.django_db


def test_inbound_messages_are_analysed_redacted_and_counted(personas: Personas) -> None:
    commune = personas.units["commune"]
    people = citizens(commune, 3)
    write(people[0], "Mất điện cả ngày hôm nay ở thôn Châng, gọi 0912 345 678 nhé")
    write(people[1], "mat dien lien tuc, tu lanh hong het roi")
    write(people[2], "😀😀")  # nothing to analyse: skipped, not stored
    write(people[2], "")  # an image or a sticker: no text
    assert analyse_all() == 4
    rows = list(AnalysedMessage.objects.order_by("id"))
    assert len(rows) == 2
    assert "0912" not in rows[0].text and "[SĐT]" in rows[0].text
    assert {r.topic.key for r in rows} == {"utilities"}
    assert {r.unit for r in rows} == {commune}
    count = TopicDayCount.objects.get(topic__key="utilities", unit=commune)
    assert count.messages == 2 and count.negative == 2
    assert ContributorMark.objects.filter(topic__key="utilities", unit=commune).count() == 2
    assert analyse_all() == 0  # the cursor moved: nothing is analysed twice


def test_a_village_resident_counts_for_the_commune(personas: Personas) -> None:
    from caunoi.geo.services import village_create

    village = village_create(
        commune=personas.units["commune"], name="Thôn Châng", actor=personas.province_admin
    )
    write(citizens(village, 1)[0], "Trường học thiếu giáo viên")
    analyse_all()
    assert AnalysedMessage.objects.get().unit == personas.units["commune"]


def test_the_contributor_mark_is_keyed_and_changes_every_month() -> None:
    a = contributor_mark(42, dt.date(2026, 11, 3))
    assert a == contributor_mark(42, dt.date(2026, 11, 28))
    assert a != contributor_mark(42, dt.date(2026, 12, 1))
    assert a != contributor_mark(43, dt.date(2026, 11, 3))
    assert "42" not in a and len(a) == 16


def _history(unit: Unit, topic: Topic, today: dt.date, per_day: int, days: int = 28) -> None:
    for offset in range(1, days + 1):
        TopicDayCount.objects.create(
            topic=topic, unit=unit, day=today - dt.timedelta(days=offset), messages=per_day
        )


def test_a_burst_in_a_quiet_commune_is_a_spike_and_alerts_it(personas: Personas) -> None:
    commune = personas.units["commune"]
    today = timezone.localdate()
    _history(commune, Topic.objects.get(key="roads"), today, per_day=0)
    for person in citizens(commune, 6):
        write(person, "Đường liên thôn bị sụt lún, xe không đi được", day=today)
    analyse_all()
    alerts = spikes_detect(day=today)
    assert [(a.topic.key, a.unit, a.count) for a in alerts] == [("roads", commune, 6)]
    assert AuditEvent.objects.filter(action="opinion.spike", unit_id=commune.pk).count() == 1
    assert spikes_detect(day=today) == alerts  # idempotent: no second alert, no second audit row
    assert AuditEvent.objects.filter(action="opinion.spike").count() == 1


def test_one_person_writing_many_times_is_not_a_spike(personas: Personas) -> None:
    commune = personas.units["commune"]
    today = timezone.localdate()
    person = citizens(commune, 1)[0]
    for _ in range(8):
        write(person, "Đường liên thôn bị sụt lún, xe không đi được", day=today)
    analyse_all()
    assert spikes_detect(day=today) == []


def test_a_usual_level_is_not_a_spike(personas: Personas) -> None:
    commune = personas.units["commune"]
    today = timezone.localdate()
    _history(commune, Topic.objects.get(key="roads"), today, per_day=6)
    for person in citizens(commune, 7):
        write(person, "Đường liên thôn bị sụt lún, xe không đi được", day=today)
    analyse_all()
    assert spikes_detect(day=today) == []
    assert not SpikeAlert.objects.exists()
