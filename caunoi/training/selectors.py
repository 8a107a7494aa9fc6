"""Training reads, each scoped to the viewer.

Learners see the courses they are enrolled in. Managers (MANAGE_TRAINING) see courses built in their
units, and enrolments, names and attendance of learners in their units. Anyone with VIEW_TRAINING sees
the readiness *counts* of the units they cover; names only where they also manage training.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.geo.models import Unit
from caunoi.training.models import (
    Assignment,
    Certificate,
    Course,
    CourseStatus,
    Enrollment,
    LessonFile,
    QuizAttempt,
    Reminder,
    TrainingSession,
)

MANAGE = Capability.MANAGE_TRAINING
VIEW = Capability.VIEW_TRAINING


def managed_courses(*, viewer: Viewer) -> QuerySet[Course]:
    return (
        Course.objects.filter(viewer.unit_q(MANAGE, "unit"))
        .select_related("unit")
        .annotate(
            lesson_count=Count("lessons", distinct=True),
            question_count=Count("questions", distinct=True),
            enrolled=Count("enrollments", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def access_course(viewer: Viewer, course_id: int, *, manage: bool = False) -> Course:
    """A course the viewer manages, or (unless ``manage``) one they are enrolled in and is published."""
    q = viewer.unit_q(MANAGE, "unit")
    if not manage and viewer.user is not None:
        q |= Q(enrollments__user=viewer.user, status=CourseStatus.PUBLISHED)
    course = Course.objects.filter(q, pk=course_id).select_related("unit").distinct().first()
    if course is None:
        raise NotFound()
    return course


def can_manage(viewer: Viewer, course: Course) -> bool:
    return viewer.covers(MANAGE, course.unit)


def my_enrollments(*, viewer: Viewer) -> QuerySet[Enrollment]:
    if viewer.user is None:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(user=viewer.user, course__status=CourseStatus.PUBLISHED)
        .select_related("course", "unit", "certificate")
        .annotate(
            lessons_total=Count("course__lessons", distinct=True),
            lessons_read=Count("progress", distinct=True),
        )
        .order_by("completed_at", "due_on", "id")
    )


def my_enrollment(viewer: Viewer, course: Course) -> Enrollment | None:
    if viewer.user is None:
        return None
    return Enrollment.objects.filter(user=viewer.user, course=course).select_related("course", "unit").first()


def access_own_enrollment(viewer: Viewer, course_id: int) -> Enrollment:
    """The viewer's own enrolment in a published course; anyone else's is never reachable here."""
    enrollment = (
        Enrollment.objects.filter(
            user=viewer.user, course_id=course_id, course__status=CourseStatus.PUBLISHED
        )
        .select_related("course", "unit", "user")
        .first()
        if viewer.user is not None
        else None
    )
    if enrollment is None:
        raise NotFound()
    return enrollment


def read_lesson_ids(enrollment: Enrollment | None) -> set[int]:
    if enrollment is None:
        return set()
    return set(enrollment.progress.values_list("lesson_id", flat=True))


def course_content(course: Course) -> Course:
    """The course with lessons (and files) and questions (with choices) fetched in four queries."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([course], "lessons__files", "questions__choices")
    return course


def access_lesson_file(viewer: Viewer, file_id: int) -> LessonFile:
    q = viewer.unit_q(MANAGE, "lesson__course__unit")
    if viewer.user is not None:
        q |= Q(lesson__course__enrollments__user=viewer.user, lesson__course__status=CourseStatus.PUBLISHED)
    found = LessonFile.objects.filter(q, pk=file_id).select_related("lesson__course").distinct().first()
    if found is None:
        raise NotFound()
    return found


def last_attempt(enrollment: Enrollment) -> QuizAttempt | None:
    return enrollment.attempts.first()


def attempt_list(enrollment: Enrollment) -> QuerySet[QuizAttempt]:
    return enrollment.attempts.all()


def access_own_certificate(viewer: Viewer, course_id: int) -> Certificate:
    cert = (
        Certificate.objects.filter(enrollment__user=viewer.user, enrollment__course_id=course_id)
        .select_related("enrollment__course__unit", "enrollment__unit")
        .first()
        if viewer.user is not None
        else None
    )
    if cert is None:
        raise NotFound()
    return cert


def certificate_verify(code: str) -> Certificate | None:
    code = code.strip().upper()
    if not code:
        return None
    return Certificate.objects.filter(code=code).first()


# Managers -------------------------------------------------------------------------------------------


def assignable_units(*, viewer: Viewer) -> QuerySet[Unit]:
    from caunoi.geo.models import UnitLevel

    return (
        Unit.objects.active()
        .filter(viewer.unit_q(MANAGE), level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        .order_by("path")
    )


def course_assignments(*, viewer: Viewer, course: Course) -> QuerySet[Assignment]:
    return (
        course.assignments.filter(viewer.unit_q(MANAGE, "unit"))
        .select_related("unit")
        .annotate(enrolled=Count("enrollments"))
    )


def assignment_list(*, viewer: Viewer) -> QuerySet[Assignment]:
    return Assignment.objects.filter(viewer.unit_q(MANAGE, "unit")).select_related("course", "unit")


def course_sessions(*, viewer: Viewer, course: Course) -> QuerySet[TrainingSession]:
    return (
        course.sessions.filter(viewer.unit_q(MANAGE, "unit"))
        .select_related("unit", "organiser")
        .annotate(present=Count("attendance", filter=Q(attendance__present=True)))
    )


def access_session(viewer: Viewer, session_id: int) -> TrainingSession:
    session = (
        TrainingSession.objects.filter(viewer.unit_q(MANAGE, "unit"), pk=session_id)
        .select_related("course", "unit", "organiser")
        .first()
    )
    if session is None:
        raise NotFound()
    return session


def session_roster(session: TrainingSession) -> list[tuple[Enrollment, bool]]:
    """Everyone enrolled under the session's unit, with whether they were marked present."""
    enrollments = (
        Enrollment.objects.filter(course=session.course, unit__path__startswith=session.unit.path)
        .select_related("user", "unit")
        .prefetch_related(Prefetch("attendance", to_attr="marks"))
        .order_by("unit__path", "user__full_name", "user__username")
    )
    return [(e, any(a.present and a.session_id == session.pk for a in e.marks)) for e in enrollments]


@dataclass(frozen=True)
class ReadinessRow:
    """Mức sẵn sàng: one unit by one course."""

    unit_id: int
    unit_name: str
    unit_code: str
    unit_path: str
    course_id: int
    course_title: str
    assigned: int
    completed: int
    overdue: int

    @property
    def percent(self) -> int:
        return (self.completed * 100) // self.assigned if self.assigned else 0


def readiness(
    *, viewer: Viewer, course_id: int | None = None, today: dt.date | None = None
) -> list[ReadinessRow]:
    """Counts per unit and course in one grouped query (the table is small: staff, not residents)."""
    today = today or timezone.localdate()
    qs = Enrollment.objects.filter(viewer.unit_q(VIEW, "unit"), course__status=CourseStatus.PUBLISHED)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    rows = (
        qs.values("unit_id", "unit__name", "unit__code", "unit__path", "course_id", "course__title")
        .annotate(
            assigned=Count("id"),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            overdue=Count("id", filter=Q(completed_at__isnull=True, due_on__lt=today)),
        )
        .order_by("unit__path", "course__title")
    )
    return [
        ReadinessRow(
            unit_id=r["unit_id"],
            unit_name=r["unit__name"],
            unit_code=r["unit__code"],
            unit_path=r["unit__path"],
            course_id=r["course_id"],
            course_title=r["course__title"],
            assigned=r["assigned"],
            completed=r["completed"],
            overdue=r["overdue"],
        )
        for r in rows
    ]


def readiness_courses(*, viewer: Viewer) -> QuerySet[Course]:
    """The published courses assigned to someone in the viewer's units (the readiness filter)."""
    return (
        Course.objects.filter(
            status=CourseStatus.PUBLISHED,
            pk__in=Enrollment.objects.filter(viewer.unit_q(VIEW, "unit")).values("course_id"),
        )
        .only("id", "title")
        .order_by("title")
    )


def readiness_totals(rows: list[ReadinessRow]) -> dict[str, int]:
    return {
        "assigned": sum(r.assigned for r in rows),
        "completed": sum(r.completed for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "units": len({r.unit_id for r in rows}),
    }


def access_managed_unit(viewer: Viewer, unit_id: int) -> Unit:
    """A unit whose learners' names this viewer may see (managers only; the same 404 otherwise)."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not viewer.covers(MANAGE, unit):
        raise NotFound()
    return unit


def enrollment_list(
    *, viewer: Viewer, unit_id: int | None = None, course_id: int | None = None, completed: bool | None = None
) -> QuerySet[Enrollment]:
    """Learners by name: managers only, within their units."""
    qs = Enrollment.objects.filter(viewer.unit_q(MANAGE, "unit"), course__status=CourseStatus.PUBLISHED)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    if completed is not None:
        qs = qs.filter(completed_at__isnull=not completed)
    return (
        qs.select_related("user", "unit", "course", "certificate")
        .annotate(
            lessons_read=Count("progress", distinct=True), attempts_made=Count("attempts", distinct=True)
        )
        .order_by("unit__path", "course__title", "user__full_name", "user__username")
    )


def reminder_list(*, viewer: Viewer) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(viewer.unit_q(MANAGE, "enrollment__unit"))
        .select_related("enrollment__user", "enrollment__unit", "enrollment__course")
        .order_by("-sent_on", "enrollment__unit__path")
    )


def my_new_reminders(*, viewer: Viewer) -> int:
    if viewer.user is None:
        return 0
    return Reminder.objects.filter(enrollment__user=viewer.user, seen_at__isnull=True).count()
