"""Cases: reference codes, routing, deadlines in working days, pauses, transfer, escalation, the
citizen's rating and reopening, duplicates and merging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.inbox import deadlines
from caunoi.inbox.models import (
    Category,
    NotifyStatus,
    Petition,
    PetitionEvent,
    PetitionEventKind,
    PetitionKind,
    PetitionSource,
    PetitionStatus,
)
from caunoi.inbox.public import citizen_token, token_valid
from caunoi.inbox.selectors import similar_petitions
from caunoi.inbox.services import (
    petition_answer,
    petition_create,
    petition_from_entry,
    petition_merge,
    petition_notify,
    petition_rate,
    petition_reopen,
    petition_status_set,
    petition_transfer,
    petitions_escalate_overdue,
    petitions_remind_due,
    routing_rule_save,
)
from tests.inbox.helpers import citizen_in, write_in

pytestmark = pytest.mark.django_db


def _petition(personas, text="Đèn đường tổ 3 hỏng", **kwargs):
    kwargs.setdefault("citizen", citizen_in(personas.units["commune"]))
    return petition_create(
        text=text,
        commune=personas.units["commune"],
        source=PetitionSource.PHONE,
        actor=personas.commune_officer,
        **kwargs,
    )


def test_reference_codes_are_sequential_per_year_with_the_province_prefix(personas):
    first, second = _petition(personas), _petition(personas)
    year = timezone.localtime().year
    assert first.reference == f"TQ-{year}-000001"
    assert second.reference == f"TQ-{year}-000002"
    with override_settings(CAUNOI_INBOX_REFERENCE_PREFIX="HG"):
        assert _petition(personas).reference == f"HG-{year}-000001"


def test_one_click_from_a_message_keeps_the_citizens_words_and_commune(personas):
    citizen = citizen_in(personas.units["commune"])
    entry = write_in(citizen, "Cống thoát nước tổ 5 bị tắc", channel="zalo")
    petition = petition_from_entry(entry=entry, actor=personas.commune_officer)
    assert petition.text == "Cống thoát nước tổ 5 bị tắc"
    assert petition.commune == personas.units["commune"]
    assert petition.unit == personas.units["commune"]
    assert petition.source == PetitionSource.ZALO
    assert petition.conversation == entry.conversation
    assert petition_from_entry(entry=entry, actor=personas.commune_officer) == petition  # double click


def test_a_web_form_message_becomes_a_case_by_itself(personas):
    citizen = citizen_in(personas.units["commune"])
    write_in(citizen, "Rác thải không được thu gom", channel="web")
    petition = Petition.objects.get(citizen=citizen)
    assert petition.source == PetitionSource.WEB
    assert petition.events.filter(kind=PetitionEventKind.CREATED, notify=NotifyStatus.PENDING).exists()


def test_routing_rules_pick_the_most_specific_unit_and_category(personas):
    province, commune = personas.units["province"], personas.units["commune"]
    land = Category.objects.get(code="dat-dai")
    roads = Category.objects.get(code="giao-thong")
    routing_rule_save(
        unit=province,
        category=land,
        responsible_unit=province,
        office="Sở Nông nghiệp và Môi trường",
        actor=personas.province_admin,
    )
    routing_rule_save(
        unit=commune,
        category=None,
        responsible_unit=commune,
        office="Văn phòng UBND",
        actor=personas.province_admin,
    )

    to_province = _petition(personas, category=land)
    assert (to_province.unit, to_province.office) == (province, "Sở Nông nghiệp và Môi trường")
    assert to_province.events.filter(kind=PetitionEventKind.ROUTED).exists()
    local = _petition(personas, category=roads)
    assert (local.unit, local.office) == (commune, "Văn phòng UBND")


def test_deadline_counts_working_days_and_skips_the_weekend(personas):
    # Friday 6 March 2026, 09:00 in Vietnam; 10 working days later is Friday 20 March.
    friday = timezone.make_aware(dt.datetime(2026, 3, 6, 9, 0))
    due = deadlines.due_from(friday, PetitionKind.FEEDBACK)
    assert timezone.localtime(due).date() == dt.date(2026, 3, 20)


def test_deadline_skips_tet(personas):
    # Tết 2026 is 17 February; a feedback received on 13 February is not due until well after it.
    received = timezone.make_aware(dt.datetime(2026, 2, 13, 9, 0))
    due = timezone.localtime(deadlines.due_from(received, PetitionKind.FEEDBACK)).date()
    assert due > dt.date(2026, 2, 27)
    assert deadlines.working_days_left(deadlines.due_from(received, PetitionKind.FEEDBACK), received) == 10


def test_waiting_for_the_citizen_stops_the_clock(personas):
    petition = _petition(personas)
    due = petition.due_at
    petition_status_set(
        petition=petition,
        status=PetitionStatus.WAITING,
        text="Xin gửi ảnh hiện trường",
        actor=personas.commune_officer,
    )
    assert petition.paused_at is not None
    Petition.objects.filter(pk=petition.pk).update(paused_at=petition.paused_at - dt.timedelta(days=7))
    petition.refresh_from_db()
    petition_status_set(petition=petition, status=PetitionStatus.IN_PROGRESS, actor=personas.commune_officer)
    assert petition.paused_at is None
    assert deadlines.working_days_left(petition.due_at, due) == 5  # a week stopped gives back 5 working days


def test_transfer_keeps_the_reference_and_the_history(personas):
    petition = _petition(personas)
    reference = petition.reference
    petition_transfer(
        petition=petition,
        to_unit=personas.units["sibling"],
        reason="Địa bàn phường Hà Giang 2",
        actor=personas.commune_officer,
    )
    petition.refresh_from_db()
    assert petition.reference == reference and petition.unit == personas.units["sibling"]
    event = petition.events.get(kind=PetitionEventKind.TRANSFERRED)
    assert (event.from_unit, event.to_unit, event.public) == (
        personas.units["commune"],
        personas.units["sibling"],
        False,
    )
    with pytest.raises(ValidationFailed):
        petition_transfer(
            petition=petition,
            to_unit=personas.units["other_commune"],
            reason="x",
            actor=personas.province_admin,
        )


def test_overdue_cases_escalate_to_the_province_once(personas):
    petition = _petition(personas)
    Petition.objects.filter(pk=petition.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    fresh = _petition(personas)
    assert petitions_escalate_overdue() == 1
    petition.refresh_from_db()
    assert petition.unit == personas.units["province"] and petition.escalations == 1
    assert petition.events.filter(
        kind=PetitionEventKind.ESCALATED, to_unit=personas.units["province"]
    ).exists()
    assert petitions_escalate_overdue() == 0
    fresh.refresh_from_db()
    assert fresh.unit == personas.units["commune"]


def test_a_paused_case_is_never_overdue(personas):
    petition = _petition(personas)
    petition_status_set(
        petition=petition,
        status=PetitionStatus.WAITING,
        text="Cần thêm thông tin",
        actor=personas.commune_officer,
    )
    Petition.objects.filter(pk=petition.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    assert petitions_escalate_overdue() == 0


def test_reminder_before_the_due_date_once(personas):
    petition = _petition(personas)
    now = timezone.now()
    Petition.objects.filter(pk=petition.pk).update(due_at=deadlines.add_working_days(now, 1))
    assert petitions_remind_due(now=now) == 1
    assert petitions_remind_due(now=now) == 0
    assert petition.events.filter(kind=PetitionEventKind.REMINDED).count() == 1


def test_answer_rate_and_reopen_with_the_signed_link(personas):
    petition = _petition(personas)
    petition_answer(petition=petition, answer="Đã thay bóng đèn ngày 12/3.", actor=personas.commune_officer)
    assert petition.status == PetitionStatus.ANSWERED and petition.answered_on_time
    token = citizen_token(petition)
    assert token_valid(petition, token)
    assert not token_valid(petition, token[:-2] + "xx")
    petition_rate(petition=petition, rating=4, comment="Cảm ơn")
    assert petition.rating == 4
    petition_reopen(petition=petition, reason="Đèn lại hỏng")
    assert petition.status == PetitionStatus.IN_PROGRESS and petition.reopened == 1
    assert not token_valid(petition, token) or petition.answered_at is not None


def test_reopening_is_refused_after_the_period(personas):
    petition = _petition(personas)
    petition_answer(petition=petition, answer="Đã xử lý.", actor=personas.commune_officer)
    Petition.objects.filter(pk=petition.pk).update(answered_at=timezone.now() - dt.timedelta(days=31))
    petition.refresh_from_db()
    with pytest.raises(InvalidState):
        petition_reopen(petition=petition, reason="Chưa xong")


def test_similar_open_cases_in_the_same_commune_are_suggested_and_merged(personas):
    main = _petition(personas, text="Đường vào thôn Châng bị sạt lở, xe máy không đi được")
    twin = _petition(personas, text="duong vao thon chang bi sat lo xe may khong di duoc")
    unrelated = _petition(personas, text="Xin hỏi lịch tiêm phòng cho trẻ em")
    suggested = [p for p, _ in similar_petitions(twin)]
    assert suggested[:1] == [main] and unrelated not in suggested
    petition_merge(petition=twin, into=main, actor=personas.commune_officer)
    assert twin.status == PetitionStatus.MERGED and twin.merged_into == main
    event = PetitionEvent.objects.get(petition=twin, kind=PetitionEventKind.MERGED)
    assert event.notify == NotifyStatus.PENDING and event.text == main.reference


def test_notify_records_that_no_channel_reached_the_citizen(personas):
    citizen = citizen_in(personas.units["commune"], consents=[])
    petition = _petition(personas, citizen=citizen)
    event = petition.events.get(kind=PetitionEventKind.CREATED)
    petition_notify(event=event)
    event.refresh_from_db()
    assert event.notify == NotifyStatus.FAILED and event.notify_error


def test_coordinates_and_place_are_checked(personas):
    with pytest.raises(ValidationFailed):
        _petition(personas, latitude="91", longitude="105")
    with pytest.raises(ValidationFailed):
        petition_create(
            citizen=citizen_in(personas.units["commune"]),
            text="x y",
            commune=personas.units["province"],
            source=PetitionSource.PHONE,
            actor=personas.commune_officer,
        )
    ok = _petition(personas, latitude="22.823", longitude="104.984")
    assert str(ok.latitude) == "22.823000"
