"""Small builders for training tests, going through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from caunoi.training import services
from caunoi.training.models import Course, Enrollment, QuestionKind

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def build_course(
    *,
    unit: Unit,
    actor: Any,
    lessons: int = 2,
    pass_mark: int = 70,
    requires_attendance: bool = False,
    publish: bool = True,
    title: str = "Kỹ năng dân vận",
) -> Course:
    """A course with ``lessons`` lessons and four questions: three single-choice, one multiple-choice
    (the right answers are the choices whose text starts with "Đúng")."""
    course = services.course_create(
        unit=unit, title=title, pass_mark=pass_mark, requires_attendance=requires_attendance, actor=actor
    )
    for i in range(1, lessons + 1):
        services.lesson_add(course=course, title=f"Bài {i}", body=f"Nội dung bài {i}.", actor=actor)
    for i in range(1, 4):
        services.question_add(
            course=course,
            text=f"Câu {i}?",
            kind=QuestionKind.SINGLE,
            choices=[(f"Đúng {i}", True), (f"Sai {i}", False), (f"Sai nữa {i}", False)],
            explanation=f"Vì {i}.",
            actor=actor,
        )
    services.question_add(
        course=course,
        text="Câu nhiều đáp án?",
        kind=QuestionKind.MULTIPLE,
        choices=[("Đúng A", True), ("Đúng B", True), ("Sai C", False)],
        actor=actor,
    )
    if publish:
        services.course_publish(course=course, actor=actor)
    return course


def answers(course: Course, *, wrong: int = 0) -> dict[int, list[int]]:
    """Right answers to every question, except the first ``wrong`` ones, answered wrongly."""
    result: dict[int, list[int]] = {}
    for i, q in enumerate(course.questions.prefetch_related("choices").order_by("position")):
        right = [c.pk for c in q.choices.all() if c.is_correct]
        bad = [c.pk for c in q.choices.all() if not c.is_correct][:1]
        result[q.pk] = bad if i < wrong else right
    return result


def assign(
    course: Course, unit: Unit, actor: Any, *, role: str = Role.COMMUNE_OFFICER, days: int = 30
) -> None:
    services.assignment_create(
        course=course,
        unit=unit,
        role=role,
        due_on=timezone.localdate() + dt.timedelta(days=days),
        actor=actor,
    )


def finish(enrollment: Enrollment, actor: Any) -> None:
    for lesson in enrollment.course.lessons.all():
        services.lesson_mark_read(enrollment=enrollment, lesson=lesson, actor=actor)
    services.quiz_submit(enrollment=enrollment, answers=answers(enrollment.course), actor=actor)
