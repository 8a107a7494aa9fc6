"""Field reports from collaborators (cộng tác viên): redacted, analysed, counted like messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from caunoi.core.errors import ValidationFailed
from caunoi.opinion.models import AnalysedMessage, FieldReport, Source, TopicDayCount
from caunoi.opinion.services import field_report_submit
from tests.conftest import Personas, login_as

pytestmark = pytest.mark.django_db

REMARKS = """Nhiều hộ phản ánh mất điện liên tục, anh Nguyễn Văn Hùng gọi 0912 345 678 nhiều lần
Bà con lo đường liên thôn sạt lở
Phụ huynh khen cô giáo điểm trường Khuổi My tận tình"""


def test_a_report_is_redacted_analysed_and_counted(personas: Personas) -> None:
    today = timezone.localdate()
    report = field_report_submit(
        unit=personas.units["commune"],
        day=today,
        mood="negative",
        remarks=REMARKS,
        proposals="",
        actor=personas.reporter,
    )
    assert "0912" not in report.remarks and "Hùng" not in report.remarks
    rows = AnalysedMessage.objects.filter(source=Source.FIELD_REPORT)
    assert rows.count() == 3
    assert {r.topic.key for r in rows} >= {"utilities", "education"}
    assert sum(TopicDayCount.objects.filter(day=today).values_list("messages", flat=True)) == 3


def test_a_report_is_validated(personas: Personas) -> None:
    with pytest.raises(ValidationFailed):
        field_report_submit(
            unit=personas.units["commune"],
            day=timezone.localdate(),
            mood="angry",
            remarks="x",
            proposals="",
            actor=personas.reporter,
        )
    with pytest.raises(ValidationFailed):
        field_report_submit(
            unit=personas.units["commune"],
            day=timezone.localdate() + dt.timedelta(days=2),
            mood="neutral",
            remarks="Bà con vui",
            proposals="",
            actor=personas.reporter,
        )
    with pytest.raises(ValidationFailed):
        field_report_submit(
            unit=personas.units["commune"],
            day=timezone.localdate(),
            mood="neutral",
            remarks=" \n ",
            proposals="",
            actor=personas.reporter,
        )
    assert not FieldReport.objects.exists()


def test_the_page_is_for_collaborators_of_their_commune(personas: Personas, client: Client) -> None:
    login_as(client, personas.reporter)
    page = client.get("/opinion/field-reports/")
    assert page.status_code == 200 and personas.units["commune"].name in page.content.decode()
    response = client.post(
        "/opinion/field-reports/",
        {
            "unit": personas.units["commune"].pk,
            "day": timezone.localdate().isoformat(),
            "mood": "neutral",
            "remarks": "Bà con hỏi lịch tiêm phòng cho trâu bò",
            "proposals": "",
        },
    )
    assert response.status_code == 302 and FieldReport.objects.count() == 1
    forged = client.post(
        "/opinion/field-reports/",
        {
            "unit": personas.units["sibling"].pk,
            "day": timezone.localdate().isoformat(),
            "mood": "neutral",
            "remarks": "x",
        },
    )
    assert forged.status_code == 200 and FieldReport.objects.count() == 1  # not a commune they cover
    login_as(client, personas.editor)
    assert client.get("/opinion/field-reports/").status_code == 404
