"""The ``/api/v1/training`` operations: courses, assignments, my enrolments, quiz submission, completions.

Every list is scoped like the HTML pages: learners see their own enrolments; managers see courses,
assignments and completions in their units. Errors are problem+json (see caunoi/api.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from caunoi.core.errors import NotFound
from caunoi.core.paging import MAX_OFFSET
from caunoi.core.permissions import Capability, Role, Viewer, viewer_of
from caunoi.geo.models import Unit
from caunoi.training import selectors, services
from caunoi.training.models import Assignment, Course, Enrollment, QuizAttempt

router = Router(tags=["training"])


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    unit_code: str
    status: str
    pass_mark: int
    requires_attendance: bool


class LessonOut(Schema):
    id: int
    position: int
    title: str
    body: str
    link_url: str


class ChoiceOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    position: int
    text: str
    kind: str
    choices: list[ChoiceOut]


class CourseDetailOut(CourseOut):
    lessons: list[LessonOut]
    questions: list[QuestionOut]


class CoursePage(Schema):
    count: int
    items: list[CourseOut]


class AssignmentOut(Schema):
    id: int
    course_id: int
    unit_code: str
    role: str
    due_on: dt.date


class AssignmentIn(Schema):
    course_id: int
    unit_code: str = Field(..., max_length=32)
    role: Role
    due_on: dt.date


class EnrollmentOut(Schema):
    course_id: int
    course_title: str
    unit_code: str
    due_on: dt.date
    completed_at: dt.datetime | None
    certificate_code: str | None


class CompletionOut(EnrollmentOut):
    staff: str


class CompletionPage(Schema):
    count: int
    items: list[CompletionOut]


class QuizIn(Schema):
    answers: dict[int, list[int]] = Field(..., description="question id → the chosen choice ids")


class QuizResultOut(Schema):
    correct: int
    total: int
    percent: int
    passed: bool
    completed: bool


def _require(viewer: Viewer, capability: Capability) -> None:
    if not viewer.can(capability):
        raise NotFound()


def _course(c: Course) -> CourseOut:
    return CourseOut(
        id=c.pk,
        title=c.title,
        summary=c.summary,
        unit_code=c.unit.code,
        status=c.status,
        pass_mark=c.pass_mark,
        requires_attendance=c.requires_attendance,
    )


def _enrollment(e: Enrollment) -> dict[str, Any]:
    cert = getattr(e, "certificate", None)
    return {
        "course_id": e.course_id,
        "course_title": e.course.title,
        "unit_code": e.unit.code,
        "due_on": e.due_on,
        "completed_at": e.completed_at,
        "certificate_code": cert.code if cert is not None else None,
    }


def _assignment(a: Assignment) -> AssignmentOut:
    return AssignmentOut(id=a.pk, course_id=a.course_id, unit_code=a.unit.code, role=a.role, due_on=a.due_on)


@router.get("/courses", response=CoursePage, summary="Courses I manage, or else the courses assigned to me")
def course_list(
    request: HttpRequest, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)
) -> CoursePage:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_TRAINING)
    if viewer.can(Capability.MANAGE_TRAINING):
        qs = selectors.managed_courses(viewer=viewer)
        return CoursePage(count=qs.count(), items=[_course(c) for c in qs[offset : offset + limit]])
    mine = list(selectors.my_enrollments(viewer=viewer))
    return CoursePage(count=len(mine), items=[_course(e.course) for e in mine[offset : offset + limit]])


@router.get("/courses/{course_id}", response=CourseDetailOut, summary="One course with its lessons and quiz")
def course_detail(request: HttpRequest, course_id: int) -> CourseDetailOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_TRAINING)
    course = selectors.course_content(selectors.access_course(viewer, course_id))
    return CourseDetailOut(
        **_course(course).dict(),
        lessons=[
            LessonOut(id=x.pk, position=x.position, title=x.title, body=x.body, link_url=x.link_url)
            for x in course.lessons.all()
        ],
        questions=[
            QuestionOut(
                id=q.pk,
                position=q.position,
                text=q.text,
                kind=q.kind,
                choices=[ChoiceOut(id=c.pk, text=c.text) for c in q.choices.all()],
            )
            for q in course.questions.all()
        ],
    )


@router.post(
    "/courses/{course_id}/quiz", response=QuizResultOut, summary="Submit my answers to a course's quiz"
)
def quiz_submit(request: HttpRequest, course_id: int, payload: QuizIn) -> QuizResultOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_TRAINING)
    enrollment = selectors.access_own_enrollment(viewer, course_id)
    attempt: QuizAttempt = services.quiz_submit(
        enrollment=enrollment, answers=payload.answers, actor=viewer.user
    )
    enrollment.refresh_from_db(fields=["completed_at"])
    return QuizResultOut(
        correct=attempt.correct,
        total=attempt.total,
        percent=attempt.percent,
        passed=attempt.passed,
        completed=enrollment.completed_at is not None,
    )


@router.get("/assignments", response=list[AssignmentOut], summary="Assignments made in my units")
def assignment_list(request: HttpRequest) -> list[AssignmentOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_TRAINING)
    return [_assignment(a) for a in selectors.assignment_list(viewer=viewer)[:500]]


@router.post(
    "/assignments", response={201: AssignmentOut}, summary="Assign a published course by role and unit"
)
def assignment_create(request: HttpRequest, payload: AssignmentIn) -> Status[AssignmentOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_TRAINING)
    course = selectors.access_course(viewer, payload.course_id, manage=True)
    unit = Unit.objects.filter(code=payload.unit_code).first()
    if unit is None or not viewer.covers(Capability.MANAGE_TRAINING, unit):
        raise NotFound()
    actor = viewer.user if viewer.user is not None else viewer
    assignment = services.assignment_create(
        course=course, unit=unit, role=payload.role, due_on=payload.due_on, actor=actor
    )
    return Status(201, _assignment(assignment))


@router.get("/me/enrollments", response=list[EnrollmentOut], summary="The courses assigned to me")
def my_enrollments(request: HttpRequest) -> list[EnrollmentOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_TRAINING)
    return [EnrollmentOut(**_enrollment(e)) for e in selectors.my_enrollments(viewer=viewer)]


@router.get("/completions", response=CompletionPage, summary="Completed courses of staff in my units")
def completion_list(
    request: HttpRequest,
    course_id: int | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> CompletionPage:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_TRAINING)
    qs = selectors.enrollment_list(viewer=viewer, course_id=course_id, completed=True)
    return CompletionPage(
        count=qs.count(),
        items=[CompletionOut(staff=str(e.user), **_enrollment(e)) for e in qs[offset : offset + limit]],
    )
