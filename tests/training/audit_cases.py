"""Audit cases of the training services, picked up by tests/accounts/test_audit_per_service.py."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable

from django.test import override_settings
from django.utils import timezone

from caunoi.core.permissions import Role
from caunoi.training import services
from caunoi.training.models import Enrollment
from tests.accounts.test_audit_per_service import Expect
from tests.conftest import Personas, make_staff
from tests.training.helpers import PDF, answers, assign, build_course

Case = Callable[[Personas], Expect]


def _enrolled(p: Personas, **kwargs: object) -> Enrollment:
    course = build_course(unit=p.units["province"], actor=p.editor, **kwargs)  # type: ignore[arg-type]
    assign(course, p.units["province"], p.editor)
    return Enrollment.objects.get(course=course, user=p.commune_officer)


def _course_create(p: Personas) -> Expect:
    services.course_create(unit=p.units["province"], title="Kỹ năng dân vận", actor=p.editor)
    return Expect("training.course_create", p.editor, p.units["province"])


def _course_update(p: Personas) -> Expect:
    course = services.course_create(unit=p.units["province"], title="Nháp", actor=p.editor)
    services.course_update(
        course=course, title="Kỹ năng", summary="", pass_mark=80, requires_attendance=True, actor=p.editor
    )
    return Expect("training.course_update", p.editor, p.units["province"])


def _lesson_add(p: Personas) -> Expect:
    course = services.course_create(unit=p.units["province"], title="K", actor=p.editor)
    services.lesson_add(course=course, title="Bài 1", body="Nội dung", actor=p.editor)
    return Expect("training.lesson_add", p.editor, p.units["province"])


def _lesson_file_attach(p: Personas) -> Expect:
    course = services.course_create(unit=p.units["province"], title="K", actor=p.editor)
    lesson = services.lesson_add(course=course, title="Bài 1", actor=p.editor)
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        services.lesson_file_attach(lesson=lesson, name="tai-lieu.pdf", content=PDF, actor=p.editor)
    return Expect("training.lesson_file_attach", p.editor, p.units["province"])


def _lesson_update(p: Personas) -> Expect:
    course = services.course_create(unit=p.units["province"], title="K", actor=p.editor)
    lesson = services.lesson_add(course=course, title="Bài 1", actor=p.editor)
    services.lesson_update(lesson=lesson, title="Bài một", body="Sửa", actor=p.editor)
    return Expect("training.lesson_update", p.editor, p.units["province"])


def _question_remove(p: Personas) -> Expect:
    course = build_course(unit=p.units["province"], actor=p.editor, publish=False)
    services.question_remove(question=course.questions.get(position=1), actor=p.editor)
    return Expect("training.question_remove", p.editor, p.units["province"])


def _question_add(p: Personas) -> Expect:
    course = services.course_create(unit=p.units["province"], title="K", actor=p.editor)
    services.question_add(
        course=course, text="?", kind="single", choices=[("a", True), ("b", False)], actor=p.editor
    )
    return Expect("training.question_add", p.editor, p.units["province"])


def _course_publish(p: Personas) -> Expect:
    build_course(unit=p.units["province"], actor=p.editor)
    return Expect("training.course_publish", p.editor, p.units["province"])


def _assignment_create(p: Personas) -> Expect:
    course = build_course(unit=p.units["province"], actor=p.editor)
    assign(course, p.units["commune"], p.editor)
    return Expect("training.assign", p.editor, p.units["commune"])


def _enrollments_sync(p: Personas) -> Expect:
    course = build_course(unit=p.units["province"], actor=p.editor)
    assign(course, p.units["province"], p.editor)
    make_staff("xa.moi", Role.COMMUNE_OFFICER, p.units["commune"])
    assert services.enrollments_sync() == 1
    return Expect("training.enrollments_sync", None, None, actor_label="system")


def _lesson_mark_read(p: Personas) -> Expect:
    enrollment = _enrolled(p, lessons=1)
    services.quiz_submit(enrollment=enrollment, answers=answers(enrollment.course), actor=p.commune_officer)
    enrollment.refresh_from_db()
    services.lesson_mark_read(
        enrollment=enrollment, lesson=enrollment.course.lessons.get(), actor=p.commune_officer
    )
    return Expect("training.complete", p.commune_officer, p.units["commune"])


def _quiz_submit(p: Personas) -> Expect:
    enrollment = _enrolled(p)
    services.quiz_submit(enrollment=enrollment, answers=answers(enrollment.course), actor=p.commune_officer)
    return Expect("training.quiz_submit", p.commune_officer, p.units["commune"])


def _session_create(p: Personas) -> Expect:
    course = build_course(unit=p.units["province"], actor=p.editor)
    services.session_create(
        course=course,
        unit=p.units["commune"],
        title="Tập huấn",
        starts_at=timezone.now(),
        place="Xã",
        actor=p.editor,
    )
    return Expect("training.session_create", p.editor, p.units["commune"])


def _attendance_mark(p: Personas) -> Expect:
    enrollment = _enrolled(p)
    session = services.session_create(
        course=enrollment.course,
        unit=p.units["commune"],
        title="Tập huấn",
        starts_at=timezone.now(),
        place="Xã",
        actor=p.province_admin,
    )
    services.attendance_mark(session=session, present_ids=[enrollment.pk], actor=p.province_admin)
    return Expect("training.attendance", p.province_admin, p.units["commune"])


def _training_reminders_send(p: Personas) -> Expect:
    enrollment = _enrolled(p)
    Enrollment.objects.filter(pk=enrollment.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    assert services.training_reminders_send() == 1
    return Expect("training.reminders", None, None, actor_label="system")


CASES: dict[str, Case] = {
    f"caunoi.training.services.{name}": case
    for name, case in {
        "course_create": _course_create,
        "course_update": _course_update,
        "lesson_add": _lesson_add,
        "lesson_update": _lesson_update,
        "lesson_file_attach": _lesson_file_attach,
        "question_add": _question_add,
        "question_remove": _question_remove,
        "course_publish": _course_publish,
        "assignment_create": _assignment_create,
        "enrollments_sync": _enrollments_sync,
        "lesson_mark_read": _lesson_mark_read,
        "quiz_submit": _quiz_submit,
        "session_create": _session_create,
        "attendance_mark": _attendance_mark,
        "training_reminders_send": _training_reminders_send,
    }.items()
}

EXEMPT: dict[str, str] = {
    "caunoi.training.services.grade": "pure arithmetic over a quiz's answers; quiz_submit is audited",
    "caunoi.training.services.new_certificate_code": "a random code; issuing is audited (complete)",
    "caunoi.training.services.reminders_seen": "read-receipt bookkeeping of the learner's own reminders",
}
