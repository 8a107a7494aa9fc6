"""Training pages: the learner's way through a course, the managers' pages, scope, exports, query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from caunoi.core.permissions import Role
from caunoi.training import services
from caunoi.training.models import Certificate, Course, CourseStatus, Enrollment, QuizAttempt
from tests.conftest import login_as as _login
from tests.conftest import make_staff
from tests.training.helpers import answers, assign, build_course, finish

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, settings):
    """Sign in with the English UI, so assertions read the msgids."""

    def _as(user):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return _login(client, user)

    return _as


@pytest.fixture
def course(personas):
    course = build_course(unit=personas.units["province"], actor=personas.editor)
    assign(course, personas.units["province"], personas.editor)
    return course


def test_an_officer_reads_the_lessons_passes_the_quiz_and_downloads_the_certificate(login, personas, course):
    c = login(personas.commune_officer)
    home = c.get(reverse("training:home"))
    assert course.title in home.content.decode()

    lessons = list(course.lessons.all())
    page = c.get(reverse("training:lesson", args=[course.pk, lessons[0].pk]))
    assert "Nội dung bài 1." in page.content.decode()
    response = c.post(reverse("training:lesson_read", args=[course.pk, lessons[0].pk]))
    assert response.url == reverse("training:lesson", args=[course.pk, lessons[1].pk])
    response = c.post(reverse("training:lesson_read", args=[course.pk, lessons[1].pk]))
    assert response.url == reverse("training:course", args=[course.pk])

    form = {f"q{q}": [str(x) for x in cs] for q, cs in answers(course, wrong=2).items()}
    failed = c.post(reverse("training:quiz", args=[course.pk]), form)
    assert "2 of 4 correct (50%)" in failed.content.decode()
    assert "The pass mark is 70%" in failed.content.decode()
    assert "Vì 1." in failed.content.decode()  # explanations after submitting

    form = {f"q{q}": [str(x) for x in cs] for q, cs in answers(course).items()}
    passed = c.post(reverse("training:quiz", args=[course.pk]), form)
    assert "4 of 4 correct (100%)" in passed.content.decode()
    assert reverse("training:certificate", args=[course.pk]) in passed.content.decode()

    pdf = c.get(reverse("training:certificate", args=[course.pk]))
    cert = Certificate.objects.get(enrollment__user=personas.commune_officer)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert cert.code in pdf["Content-Disposition"]
    assert QuizAttempt.objects.filter(enrollment__course=course).count() == 2


def test_an_unanswered_quiz_says_which_questions_are_missing(login, personas, course):
    response = login(personas.commune_officer).post(reverse("training:quiz", args=[course.pk]), {})
    assert response.status_code == 422
    assert "Answer every question (missing: 1, 2, 3, 4)." in response.content.decode()


def test_the_certificate_names_the_learner_and_carries_a_code_that_verifies(
    login, personas, course, client, settings
):
    enrollment = Enrollment.objects.get(course=course, user=personas.commune_officer)
    finish(enrollment, personas.commune_officer)
    cert = Certificate.objects.get(enrollment=enrollment)

    html = render_to_string(
        "training/certificate_pdf.html",
        {"certificate": cert, "issued": cert.issued_at, "issuer": "Tỉnh Tuyên Quang"},
    )
    assert cert.learner_name in html and cert.code in html and course.title in html

    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    genuine = client.get(reverse("training:verify"), {"code": cert.code.lower()})
    assert "This certificate is genuine." in genuine.content.decode()
    assert cert.learner_name in genuine.content.decode()
    forged = client.get(reverse("training:verify"), {"code": "CN-AAAA-BBBB-CCCC"})
    assert "No certificate has this code" in forged.content.decode()
    assert cert.learner_name not in forged.content.decode()


def test_a_certificate_is_only_the_learners_own(login, personas, course):
    enrollment = Enrollment.objects.get(course=course, user=personas.commune_officer)
    finish(enrollment, personas.commune_officer)
    for persona in ("sibling_officer", "province_admin"):
        response = login(getattr(personas, persona)).get(reverse("training:certificate", args=[course.pk]))
        assert response.status_code == 404


def test_a_learner_cannot_open_a_course_they_are_not_enrolled_in_or_a_draft(login, personas):
    p = personas
    draft = build_course(unit=p.units["province"], actor=p.editor, publish=False, title="Nháp")
    other = build_course(unit=p.units["province"], actor=p.editor, title="Cho xã khác")
    assign(other, p.units["sibling"], p.editor)
    c = login(p.commune_officer)
    for course in (draft, other):
        assert c.get(reverse("training:course", args=[course.pk])).status_code == 404
        assert c.get(reverse("training:quiz", args=[course.pk])).status_code == 404


def test_the_manager_builds_publishes_and_assigns_a_course_through_the_pages(login, personas):
    p = personas
    c = login(p.editor)
    response = c.post(
        reverse("training:course_create"),
        {"title": "Tuyên truyền miệng", "summary": "", "pass_mark": 80, "unit": p.units["province"].pk},
    )
    course = Course.objects.get(title="Tuyên truyền miệng")
    assert response.url == reverse("training:course", args=[course.pk])
    c.post(reverse("training:lesson_create", args=[course.pk]), {"title": "Bài 1", "body": "**Mục tiêu**"})
    c.post(
        reverse("training:question_create", args=[course.pk]),
        {
            "text": "Ai là báo cáo viên?",
            "kind": "single",
            "choices": "*Người được cấp uỷ công nhận\nBất kỳ ai",
        },
    )
    assert course.questions.get().choices.filter(is_correct=True).count() == 1
    lesson = course.lessons.get()
    c.post(
        reverse("training:lesson_edit", args=[course.pk, lesson.pk]),
        {"title": "Bài 1. Mục tiêu", "body": "Nói đi đôi với làm."},
    )
    lesson.refresh_from_db()
    assert (lesson.title, lesson.body) == ("Bài 1. Mục tiêu", "Nói đi đôi với làm.")
    c.post(
        reverse("training:question_create", args=[course.pk]),
        {"text": "Câu thừa?", "kind": "single", "choices": "*Có\nKhông"},
    )
    extra = course.questions.get(text="Câu thừa?")
    c.post(reverse("training:question_remove", args=[course.pk, extra.pk]))
    assert course.questions.count() == 1
    c.post(reverse("training:publish", args=[course.pk]))
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    c.post(
        reverse("training:assign", args=[course.pk]),
        {"unit": p.units["commune"].pk, "role": Role.COMMUNE_OFFICER, "due_on": due},
    )
    assert list(Enrollment.objects.filter(course=course).values_list("user__username", flat=True)) == [
        "xa.officer"
    ]
    page = c.get(reverse("training:course", args=[course.pk])).content.decode()
    assert p.units["commune"].name in page


def test_the_organiser_marks_attendance_on_the_session_page(login, personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor, requires_attendance=True)
    assign(course, p.units["province"], p.editor)
    c = login(p.editor)
    response = c.post(
        reverse("training:session_create", args=[course.pk]),
        {
            "title": "Hội nghị tập huấn",
            "unit": p.units["province"].pk,
            "starts_at": "2026-12-10T08:00",
            "place": "Hội trường Tỉnh uỷ",
        },
    )
    session = course.sessions.get()
    assert response.url == reverse("training:session", args=[session.pk])
    mine = Enrollment.objects.get(course=course, user=p.commune_officer)
    page = c.get(response.url).content.decode()
    assert str(p.commune_officer) in page and str(p.sibling_officer) in page
    c.post(response.url, {"present": [str(mine.pk)]})
    assert list(session.attendance.filter(present=True).values_list("enrollment_id", flat=True)) == [mine.pk]
    # A commune-scoped manager cannot open a province session.
    commune_editor = make_staff("xa.bientap", Role.EDITOR, p.units["sibling"])
    assert login(commune_editor).get(reverse("training:session", args=[session.pk])).status_code == 404


# Readiness -------------------------------------------------------------------------------------------


@pytest.fixture
def progress(personas, course):
    """The commune officer completed; the sibling officer is overdue."""
    finish(Enrollment.objects.get(course=course, user=personas.commune_officer), personas.commune_officer)
    Enrollment.objects.filter(course=course, user=personas.sibling_officer).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    return course


def _rows(html: str) -> str:
    return html.split('id="readiness"', 1)[1]


def test_the_province_sees_readiness_by_commune_and_drills_down_to_names(login, personas, progress):
    p = personas
    c = login(p.editor)
    table = _rows(c.get(reverse("training:readiness")).content.decode())
    assert p.units["commune"].name in table and p.units["sibling"].name in table
    detail = c.get(reverse("training:readiness_unit", args=[p.units["sibling"].pk]))
    assert str(p.sibling_officer) in detail.content.decode()
    assert "overdue" in detail.content.decode()


def test_readiness_filters_by_course(login, personas, progress):
    p = personas
    other = build_course(unit=p.units["province"], actor=p.editor, title="Khoá thứ hai")
    assign(other, p.units["commune"], p.editor)
    c = login(p.editor)
    everything = _rows(c.get(reverse("training:readiness")).content.decode())
    assert "Khoá thứ hai" in everything and progress.title in everything
    only = c.get(reverse("training:readiness"), {"course": other.pk}).content.decode()
    assert "Khoá thứ hai" in _rows(only)
    assert progress.title not in _rows(only)
    assert f'<option value="{other.pk}" selected>' in only


def test_a_commune_officer_sees_only_their_own_communes_counts_and_no_names(login, personas, progress):
    p = personas
    c = login(p.commune_officer)
    table = _rows(c.get(reverse("training:readiness")).content.decode())
    assert p.units["commune"].name in table
    assert p.units["sibling"].name not in table
    assert reverse("training:readiness_unit", args=[p.units["commune"].pk]) not in table
    assert c.get(reverse("training:readiness_unit", args=[p.units["commune"].pk])).status_code == 404


def test_a_commune_scoped_manager_gets_a_404_for_another_communes_names(login, personas, progress):
    p = personas
    commune_editor = make_staff("xa.bientap", Role.EDITOR, p.units["commune"])
    c = login(commune_editor)
    assert c.get(reverse("training:readiness_unit", args=[p.units["commune"].pk])).status_code == 200
    assert c.get(reverse("training:readiness_unit", args=[p.units["sibling"].pk])).status_code == 404
    assert p.units["sibling"].name not in _rows(c.get(reverse("training:readiness")).content.decode())


def test_another_provinces_officer_sees_nothing_of_tuyen_quang(login, personas, progress):
    c = login(personas.other_province_officer)
    table = _rows(c.get(reverse("training:readiness")).content.decode())
    assert personas.units["commune"].name not in table
    assert c.get(reverse("training:course", args=[progress.pk])).status_code == 404
    assert c.get(reverse("training:courses")).status_code == 404


def test_the_readiness_and_completions_workbooks_open_with_the_counts(login, personas, progress):
    c = login(personas.editor)
    book = load_workbook(io.BytesIO(c.get(reverse("training:readiness_export")).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Unit code", "Unit", "Course")
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["00694"][3:7] == (1, 1, 0, 100)
    assert by_code["00691"][3:7] == (1, 0, 1, 0)

    book = load_workbook(io.BytesIO(c.get(reverse("training:completions_export")).content))
    rows = list(book.active.iter_rows(values_only=True))
    statuses = {r[1]: r[4] for r in rows[1:]}
    assert statuses == {str(personas.commune_officer): "completed", str(personas.sibling_officer): "overdue"}
    codes = {r[1]: r[6] for r in rows[1:]}
    assert codes[str(personas.commune_officer)] == Certificate.objects.get().code
    assert codes[str(personas.sibling_officer)] is None


def test_reminders_show_on_the_learners_dashboard_card_and_the_managers_list(login, personas, progress):
    p = personas
    services.training_reminders_send()
    dashboard = login(p.sibling_officer).get(reverse("core:dashboard")).content.decode()
    assert "1 overdue reminder" in dashboard
    assert progress.title in dashboard
    managers = login(p.editor).get(reverse("training:reminders")).content.decode()
    assert str(p.sibling_officer) in managers
    card = login(p.editor).get(reverse("core:dashboard")).content.decode()
    assert "Training readiness" in card


# Query counts ----------------------------------------------------------------------------------------


def _many(personas, n: int) -> None:
    start = Course.objects.count()
    for i in range(start, start + n):
        course = build_course(unit=personas.units["province"], actor=personas.editor, title=f"Khoá {i}")
        assign(course, personas.units["province"], personas.editor)
    for i in range(start, start + n):
        make_staff(f"xa.them{i}", Role.COMMUNE_OFFICER, personas.units["commune"])
    services.enrollments_sync()


@pytest.mark.parametrize(
    ("persona", "url", "limit"),
    [
        ("commune_officer", reverse("training:home"), 15),
        ("editor", reverse("training:courses"), 15),
        ("editor", reverse("training:readiness"), 15),
        ("editor", reverse("training:reminders"), 15),
        ("commune_officer", reverse("training:readiness"), 15),
        # Every app's cards are on the dashboard: only that ours do not grow with the rows is checked.
        ("province_admin", reverse("core:dashboard"), None),
        ("sibling_officer", reverse("core:dashboard"), None),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(login, personas, persona, url, limit):
    _many(personas, 2)
    c = login(getattr(personas, persona))
    assert c.get(url).status_code == 200  # warm the session and the viewer
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    _many(personas, 4)
    for i in range(6):
        make_staff(f"xa.nua{i}", Role.COMMUNE_OFFICER, personas.units["sibling"])
    services.enrollments_sync()
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).status_code == 200
    if limit is not None:
        assert len(few) <= limit
    assert len(many) == len(few), "the number of queries grows with the rows listed"


def test_the_unit_drill_down_runs_a_fixed_number_of_queries(login, personas, django_assert_max_num_queries):
    _many(personas, 3)
    c = login(personas.editor)
    url = reverse("training:readiness_unit", args=[personas.units["commune"].pk])
    with django_assert_max_num_queries(15):
        page = c.get(url)
    assert page.content.decode().count("Khoá ") >= 12  # 3 courses, 4 officers
