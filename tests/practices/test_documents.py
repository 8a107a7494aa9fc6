"""What leaves the registry as files: the certificate PDF and the xlsx exports; and the reminder task."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zlib
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from openpyxl import load_workbook

from caunoi.core.models import AuditEvent
from caunoi.practices import services
from caunoi.practices.models import Replication
from caunoi.practices.tasks import replications_remind
from tests.conftest import login_as
from tests.practices.conftest import make_practice, recognised_practice

pytestmark = pytest.mark.django_db


def _inflated(pdf: bytes) -> bytes:
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"".join(parts)


def test_the_certificate_of_a_recognised_practice_is_a_pdf_naming_it(client, personas):
    practice, evaluation = recognised_practice(personas)
    draft = make_practice(personas.commune_officer, personas.units["commune"])
    login_as(client, personas.sibling_officer)

    response = client.get(f"/practices/{practice.pk}/certificate/")
    not_yet = login_as(client, personas.commune_officer).get(f"/practices/{draft.pk}/certificate/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="chung-nhan-mo-hinh-{practice.pk}.pdf"'
    assert re.search(rb"/MediaBox\s*\[\s*0 0 841\.?\d* 595\.?\d*", _inflated(response.content)), (
        "A4 landscape"
    )
    with translation.override("vi"):
        html = render_to_string(
            "practices/certificate.html",
            {"practice": practice, "evaluation": evaluation, "today": dt.date(2026, 11, 27)},
        )
    assert practice.title in html
    assert "GIẤY CHỨNG NHẬN" in html
    assert "Hội đồng tỉnh" in html
    assert "Ngày 27 tháng 11 năm 2026" in html
    assert not_yet.status_code == 404


def test_the_exports_open_in_openpyxl_with_the_rows_in_scope(client, personas):
    practice, evaluation = recognised_practice(personas)
    services.replication_start(
        source=practice,
        unit=personas.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày",
        started_on=dt.date(2026, 3, 1),
        actor=personas.sibling_officer,
    )
    make_practice(personas.sibling_officer, personas.units["sibling"], title="Nháp của phường bên")
    login_as(client, personas.province_admin)

    books = {}
    for kind in ("practices", "evaluations", "replications"):
        response = client.get(f"/practices/export/{kind}.xlsx")
        assert response.status_code == 200
        books[kind] = load_workbook(BytesIO(response.content)).active

    practice_titles = [row[4] for row in books["practices"].iter_rows(min_row=2, values_only=True)]
    assert set(practice_titles) == {practice.title, "Nháp của phường bên"}
    evaluation_row = next(books["evaluations"].iter_rows(min_row=2, values_only=True))
    assert evaluation_row[0] == evaluation.pk
    assert evaluation.result is not None
    assert float(evaluation_row[7]) == float(evaluation.result)
    replication_row = next(books["replications"].iter_rows(min_row=2, values_only=True))
    assert replication_row[4] == "Phường Hà Giang 2"
    assert login_as(client, personas.commune_officer).get("/practices/export/other.xlsx").status_code == 404
    sibling_view = load_workbook(BytesIO(client.get("/practices/export/practices.xlsx").content)).active
    assert "Nháp của phường bên" not in [r[4] for r in sibling_view.iter_rows(min_row=2, values_only=True)]


def test_the_daily_task_reminds_once_about_quiet_replications(personas, settings):
    settings.CAUNOI_PRACTICES_STALE_DAYS = 30
    practice, _evaluation = recognised_practice(personas)
    replication = services.replication_start(
        source=practice,
        unit=personas.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày",
        started_on=dt.date(2026, 3, 1),
        actor=personas.sibling_officer,
    )
    Replication.objects.filter(pk=replication.pk).update(
        last_update_at=timezone.now() - dt.timedelta(days=31)
    )

    replications_remind.call_local()
    replications_remind.call_local()

    reminders = AuditEvent.objects.filter(action="replication.remind", object_id=str(replication.pk))
    assert reminders.count() == 1
    assert reminders.get().unit_id == personas.units["sibling"].pk
    services.replication_report(
        replication=replication, progress=50, note="Đã họp", actor=personas.sibling_officer
    )
    replications_remind.call_local()
    assert reminders.count() == 1, "a fresh report resets the clock"


def test_the_dashboard_card_counts_this_years_practices_and_quiet_replications(client, personas, settings):
    settings.CAUNOI_PRACTICES_STALE_DAYS = 30
    practice, _evaluation = recognised_practice(personas, year=timezone.localdate().year)
    replication = services.replication_start(
        source=practice,
        unit=personas.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày",
        started_on=timezone.localdate(),
        actor=personas.sibling_officer,
    )
    Replication.objects.filter(pk=replication.pk).update(
        last_update_at=timezone.now() - dt.timedelta(days=40)
    )

    province = login_as(client, personas.province_admin).get("/").content.decode()
    sibling = login_as(client, personas.sibling_officer).get("/").content.decode()

    assert "practices-chart-title" in province
    assert "/practices/replications/" in sibling, "the quiet replication is flagged to its commune"
