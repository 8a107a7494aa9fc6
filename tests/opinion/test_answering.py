"""Where a message counts, the exports, the weekly digest and the field-report reminders (emailed
through a real SMTP server), and answering a spike or an emerging topic with a draft campaign or a
draft knowledge-base answer."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from caunoi.accounts.selectors import viewer_for_user
from caunoi.campaigns.models import Campaign
from caunoi.core.models import AuditEvent
from caunoi.inbox.models import Conversation, KnowledgeEntry
from caunoi.opinion import exports, services
from caunoi.opinion.models import (
    AnalysedMessage,
    ContributorMark,
    EmergingTopic,
    NoticeKind,
    SpikeAlert,
    StaffNotice,
    Topic,
    TopicDayCount,
)
from caunoi.opinion.selectors import dashboard, field_reports_missing
from tests.conftest import Personas, login_as
from tests.opinion.helpers import analyse_all, citizens, write

pytestmark = pytest.mark.django_db

POWER = "Mất điện cả ngày hôm nay, khổ quá"
SCHOOL = "Trường học thiếu giáo viên, các cháu phải học ghép"


def _fill(personas: Personas) -> None:
    """Six people of the commune about electricity (shown), two about the school (hidden)."""
    commune = personas.units["commune"]
    for person in citizens(commune, 6):
        write(person, POWER)
    for person in citizens(commune, 2):
        write(person, SCHOOL)
    analyse_all()


# Where a message counts ------------------------------------------------------------------------------


def test_a_zalo_follower_counts_where_the_inbox_placed_them_else_at_the_province(personas: Personas) -> None:
    province, commune = personas.units["province"], personas.units["commune"]
    placed, unplaced = citizens(province, 2)  # Zalo followers start at the province
    Conversation.objects.create(citizen=placed, unit=commune, last_message_at=timezone.now())
    write(placed, POWER)
    write(unplaced, POWER)
    analyse_all()
    assert sorted(AnalysedMessage.objects.values_list("unit__code", flat=True)) == sorted(
        [commune.code, province.code]
    )


def test_a_follower_who_shared_their_commune_counts_there(personas: Personas) -> None:
    person = citizens(personas.units["province"], 1)[0]
    person.home_unit = personas.units["commune"]  # what the Zalo form (user_submit_info) leads to
    person.save(update_fields=["home_unit"])
    write(person, POWER)
    analyse_all()
    assert AnalysedMessage.objects.get().unit == personas.units["commune"]


# The small-cell rule read from the day counts --------------------------------------------------------


def test_a_week_of_few_people_a_day_is_counted_exactly(personas: Personas) -> None:
    """Each day's people stay under k, so the page counts the marks: 6 people over the week show,
    one person every day does not."""
    commune = personas.units["commune"]
    today = timezone.localdate()
    power, school = Topic.objects.get(key="utilities"), Topic.objects.get(key="education")
    for offset in range(6):
        day = today - dt.timedelta(days=offset)
        for topic, mark in ((power, f"p{offset}"), (school, "same")):
            TopicDayCount.objects.create(topic=topic, unit=commune, day=day, messages=2, negative=2, people=1)
            ContributorMark.objects.create(
                topic=topic, unit=commune, day=day, month=f"{day:%Y-%m}", mark=mark
            )
    board = dashboard(viewer=viewer_for_user(personas.commune_officer), today=today)
    rows = {r.topic.key: r for r in board.topics}
    if len({(today - dt.timedelta(days=o)).month for o in range(6)}) == 1:
        assert not rows["utilities"].current.suppressed and rows["utilities"].current.messages == 12
    assert rows["education"].current.suppressed and rows["education"].current.messages == 0


def test_the_day_counts_learn_their_people(personas: Personas) -> None:
    _fill(personas)
    count = TopicDayCount.objects.get(topic__key="utilities", unit=personas.units["commune"])
    assert count.messages == 6 and count.people == 6
    services.field_report_submit(
        unit=personas.units["commune"],
        day=timezone.localdate(),
        mood="negative",
        remarks="Bà con phàn nàn mất điện liên tục\nMất điện làm hỏng tủ lạnh",
        proposals="",
        actor=personas.reporter,
    )
    count.refresh_from_db()
    assert count.people == ContributorMark.objects.filter(topic__key="utilities", unit=count.unit).count()


# Exports ----------------------------------------------------------------------------------------------


def test_the_workbook_holds_the_aggregates_with_small_cells_hidden(
    personas: Personas, client: Client
) -> None:
    _fill(personas)
    login_as(client, personas.commune_officer)
    response = client.get("/opinion/export.xlsx?days=7")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    topics = {row[0]: row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    power, school = Topic.objects.get(key="utilities"), Topic.objects.get(key="education")
    assert topics[power.name][1] == 6
    assert topics[school.name][1:7] == (exports.HIDDEN,) * 6  # two people: not even the negatives are given
    heat = list(book.worksheets[1].iter_rows(values_only=True))
    assert heat[1][0] == personas.units["commune"].name


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects with their compressed streams inflated (font names live in object streams)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"".join(parts)


def test_the_pdf_report_has_charts_and_vietnamese_glyphs(personas: Personas, client: Client) -> None:
    _fill(personas)
    login_as(client, personas.commune_officer)
    response = client.get("/opinion/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    objects = _pdf_objects(response.content)
    assert b"+CauNoiSans" in objects  # the shipped DejaVu font, embedded
    assert b"<1ef1>" in objects.lower()  # "ự" of "Tự do" is mapped as text, not a missing glyph
    assert len(response.content) > 20_000


def test_exports_need_the_opinion_view(personas: Personas, client: Client) -> None:
    login_as(client, personas.other_province_officer)
    assert client.get("/opinion/export.xlsx").status_code == 200  # their own (empty) area only
    client.logout()
    assert client.get("/opinion/report.pdf").status_code in (302, 403)


# The weekly digest -------------------------------------------------------------------------------------


def _monday(hour: int) -> dt.datetime:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time(hour, 20)))


def test_leaders_get_the_weekly_digest_once_with_aggregates_only(personas: Personas, mailbox) -> None:
    personas.approver.email = "lanhdao@tuyenquang.example.vn"
    personas.approver.save(update_fields=["email"])
    _fill(personas)
    assert services.notices_run(now=_monday(6)) == 0  # before 07:00 on Monday nothing is due
    monday = _monday(8)
    last_week = monday.date() - dt.timedelta(days=3)  # the digest covers the full week before
    TopicDayCount.objects.update(day=last_week)
    ContributorMark.objects.update(day=last_week, month=f"{last_week:%Y-%m}")
    sent = services.notices_run(now=monday)
    assert sent == 1
    assert services.notices_run(now=monday + dt.timedelta(hours=1)) == 0  # never twice
    (message,) = mailbox.messages
    assert message["rcpt_tos"] == ["lanhdao@tuyenquang.example.vn"]
    text = message["message"].get_body().get_content()
    assert Topic.objects.get(key="utilities").name in text
    assert Topic.objects.get(key="education").name not in text  # two people: left out
    assert "khổ quá" not in text  # no message is quoted
    notice = StaffNotice.objects.get(kind=NoticeKind.DIGEST)
    assert notice.sent_at is not None and notice.unit == personas.units["province"]
    assert AuditEvent.objects.filter(action="opinion.notice_send").count() == 1


def test_a_refused_digest_is_retried_not_lost(personas: Personas, mailbox) -> None:
    personas.approver.email = "lanhdao@tuyenquang.example.vn"
    personas.approver.save(update_fields=["email"])
    mailbox.refuse["lanhdao@tuyenquang.example.vn"] = "451 try again later"
    assert services.notices_run(now=_monday(8)) == 0
    notice = StaffNotice.objects.get(kind=NoticeKind.DIGEST)
    assert notice.sent_at is None and notice.claimed_at is None and "451" in notice.error
    del mailbox.refuse["lanhdao@tuyenquang.example.vn"]
    assert services.notices_run(now=_monday(9)) == 1
    assert len(mailbox.messages) == 1


# Reminders of missing field reports --------------------------------------------------------------------


def test_communes_without_a_monthly_report_are_shown_and_their_staff_reminded(
    personas: Personas, client: Client, mailbox
) -> None:
    personas.reporter.email = "ctv@xa.example.vn"
    personas.reporter.save(update_fields=["email"])
    commune, sibling = personas.units["commune"], personas.units["sibling"]
    today = timezone.localdate()
    late = today.replace(day=25)
    assert commune in field_reports_missing(viewer=viewer_for_user(personas.province_admin), today=today)
    assert services.report_reminders_prepare(today=today.replace(day=5)) == 0  # too early in the month
    services.report_reminders_prepare(today=late)
    reminded = set(
        StaffNotice.objects.filter(kind=NoticeKind.REPORT_REMINDER).values_list("user_id", "unit_id")
    )
    assert (personas.reporter.pk, commune.pk) in reminded
    assert (personas.commune_officer.pk, commune.pk) in reminded
    assert (personas.sibling_officer.pk, sibling.pk) in reminded
    assert services.report_reminders_prepare(today=late) == 0  # once a month
    services.field_report_submit(
        unit=sibling,
        day=today,
        mood="neutral",
        remarks="Bà con hỏi lịch tiêm phòng",
        proposals="",
        actor=None,
    )
    services.notices_send()
    recipients = [m["rcpt_tos"] for m in mailbox.messages]
    assert recipients == [["ctv@xa.example.vn"]]  # the others have no address; the sibling reported
    assert (
        "Báo cáo" in mailbox.messages[0]["message"]["Subject"]
        or commune.name in mailbox.messages[0]["message"].get_body().get_content()
    )
    login_as(client, personas.reporter)
    page = client.get("/opinion/field-reports/").content.decode()
    assert commune.name in page
    assert sibling not in field_reports_missing(viewer=viewer_for_user(personas.province_admin), today=today)


# Answering what people worry about ----------------------------------------------------------------------


def _spike(personas: Personas) -> SpikeAlert:
    return SpikeAlert.objects.create(
        topic=Topic.objects.get(key="roads"),
        unit=personas.units["commune"],
        day=timezone.localdate(),
        count=9,
        baseline=0.2,
        score=8.0,
    )


def test_a_spike_is_answered_with_a_draft_campaign_to_its_commune(personas: Personas, client: Client) -> None:
    spike = _spike(personas)
    login_as(client, personas.commune_officer)
    page = client.get(f"/opinion/respond/spike/{spike.pk}/")
    assert page.status_code == 200 and Topic.objects.get(key="roads").name in page.content.decode()
    response = client.post(
        f"/opinion/respond/spike/{spike.pk}/campaign/",
        {
            "title": "Về đường sạt lở",
            "body": "Đoạn đường đang được khắc phục, bà con đi đường tránh.",
            "channels": ["zalo"],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{campaign.pk}/")
    assert list(campaign.target_units.all()) == [personas.units["commune"]]
    assert campaign.state == "draft"  # it goes through the usual approval
    assert AuditEvent.objects.filter(
        action="opinion.response_campaign", actor=personas.commune_officer
    ).exists()


def test_a_draft_campaign_needs_a_text(personas: Personas, client: Client) -> None:
    spike = _spike(personas)
    login_as(client, personas.commune_officer)
    response = client.post(
        f"/opinion/respond/spike/{spike.pk}/campaign/", {"title": "X", "body": " ", "channels": []}
    )
    assert response.status_code == 200 and not Campaign.objects.exists()


def test_an_emerging_topic_is_answered_with_an_unapproved_knowledge_entry(
    personas: Personas, client: Client
) -> None:
    emerging = EmergingTopic.objects.create(keywords=["gia xang", "tang"], size=12)
    emerging.units.set([personas.units["commune"]])
    login_as(client, personas.commune_officer)  # may write campaigns, not the knowledge base
    page = client.get(f"/opinion/respond/emerging/{emerging.pk}/").content.decode()
    assert "gia xang" in page and 'name="answer"' not in page and 'name="body"' in page
    login_as(client, personas.province_admin)
    response = client.post(
        f"/opinion/respond/emerging/{emerging.pk}/answer/",
        {
            "unit": personas.units["commune"].pk,
            "question": "Vì sao giá xăng tăng?",
            "keywords": "giá xăng",
            "answer": "Giá xăng do Nhà nước điều hành theo kỳ; xã không quyết định giá.",
        },
    )
    assert response.status_code == 302
    entry = KnowledgeEntry.objects.get()
    assert entry.approved is False and entry.unit == personas.units["commune"]


def test_another_communes_spike_cannot_be_answered(personas: Personas, client: Client) -> None:
    spike = _spike(personas)
    login_as(client, personas.sibling_officer)
    assert client.get(f"/opinion/respond/spike/{spike.pk}/").status_code == 404
    response = client.post(
        f"/opinion/respond/spike/{spike.pk}/campaign/", {"title": "X", "body": "Y", "channels": ["zalo"]}
    )
    assert response.status_code == 404 and not Campaign.objects.exists()
    assert client.get("/opinion/respond/other/1/").status_code == 404


def test_an_emerging_topic_targets_its_communes_not_the_province_of_unplaced_messages(
    personas: Personas,
) -> None:
    emerging = EmergingTopic.objects.create(keywords=["lu", "ngap"], size=10)
    emerging.units.set([personas.units["commune"], personas.units["province"]])
    assert services.response_targets(emerging) == [personas.units["commune"]]
    emerging.units.set([personas.units["province"]])
    assert services.response_targets(emerging) == [personas.units["province"]]
