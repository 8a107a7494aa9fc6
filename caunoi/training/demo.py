"""Demo training data, made through the real services (idempotent: a second run changes nothing).

- The conference course (five lessons, ten questions) is built by the province editor, published and
  assigned to every commune officer of Tuyên Quang, due in 30 days; an in-person session is planned.
  Lesson 2 carries a one-page PDF checklist for running the Zalo OA.
  ``xa.hagiang1`` has not started it, so the demo can walk through it; ``xa.hagiang2`` has read two lessons.
- A short privacy course was assigned to officers and collaborators earlier and is now past due:
  ``xa.hagiang2`` completed it (certificate issued), the others are overdue and have a reminder.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caunoi.accounts.models import User
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from caunoi.reports.pdf import render_pdf
from caunoi.training import seed_course, services
from caunoi.training.models import Course, Enrollment, QuestionKind

PROVINCE = "08"


def _build(
    *,
    title: str,
    summary: str,
    lessons: tuple[seed_course.SeedLesson, ...],
    questions: tuple[seed_course.SeedQuestion, ...],
    unit: Unit,
    editor: User,
    handouts: dict[int, tuple[str, bytes]] | None = None,
) -> Course:
    """Build and publish a course; ``handouts`` maps a lesson's position to a (file name, bytes) pair."""
    course = services.course_create(unit=unit, title=title, summary=summary, pass_mark=70, actor=editor)
    for lesson in lessons:
        added = services.lesson_add(
            course=course,
            title=lesson.title,
            body=lesson.body,
            link_url=lesson.link_url,
            link_title=lesson.link_title,
            actor=editor,
        )
        if handouts and added.position in handouts:
            name, content = handouts[added.position]
            services.lesson_file_attach(lesson=added, name=name, content=content, actor=editor)
    for q in questions:
        services.question_add(
            course=course,
            text=q.text,
            kind=QuestionKind.MULTIPLE if q.multiple else QuestionKind.SINGLE,
            choices=q.choices,
            explanation=q.explanation,
            actor=editor,
        )
    return services.course_publish(course=course, actor=editor)


def _right_answers(course: Course) -> dict[int, list[int]]:
    return {
        q.pk: [c.pk for c in q.choices.all() if c.is_correct]
        for q in course.questions.prefetch_related("choices")
    }


def _zalo_checklist() -> tuple[str, bytes]:
    pdf = render_pdf(
        "training/handout_checklist_pdf.html",
        {
            "title": seed_course.ZALO_CHECKLIST_TITLE,
            "sections": seed_course.ZALO_CHECKLIST,
            "course_title": seed_course.COURSE_TITLE,
        },
    )
    return "Bang-kiem-van-hanh-Zalo-OA.pdf", pdf


def demo_seed() -> None:
    if Course.objects.filter(title=seed_course.COURSE_TITLE).exists():
        return
    province = Unit.objects.get(code=PROVINCE)
    editor = User.objects.get(username="tinh.bientap")
    sibling_officer = User.objects.get(username="xa.hagiang2")
    today = timezone.localdate()
    with transaction.atomic():
        course = _build(
            title=seed_course.COURSE_TITLE,
            summary=seed_course.COURSE_SUMMARY,
            lessons=seed_course.LESSONS,
            questions=seed_course.QUESTIONS,
            unit=province,
            editor=editor,
            handouts={2: _zalo_checklist()},
        )
        services.assignment_create(
            course=course,
            unit=province,
            role=Role.COMMUNE_OFFICER,
            due_on=today + dt.timedelta(days=30),
            actor=editor,
        )
        services.session_create(
            course=course,
            unit=province,
            title="Hội nghị tập huấn công tác dân vận năm 2026",
            starts_at=timezone.now().replace(hour=1, minute=30, second=0, microsecond=0)
            + dt.timedelta(days=14),
            place="Hội trường Tỉnh uỷ Tuyên Quang",
            actor=editor,
        )
        started = Enrollment.objects.get(course=course, user=sibling_officer)
        for lesson in list(course.lessons.all())[:2]:
            services.lesson_mark_read(enrollment=started, lesson=lesson, actor=sibling_officer)

        privacy = _build(
            title=seed_course.PRIVACY_TITLE,
            summary=seed_course.PRIVACY_SUMMARY,
            lessons=seed_course.PRIVACY_LESSONS,
            questions=seed_course.PRIVACY_QUESTIONS,
            unit=province,
            editor=editor,
        )
        for role in (Role.COMMUNE_OFFICER, Role.REPORTER):
            services.assignment_create(
                course=privacy, unit=province, role=role, due_on=today + dt.timedelta(days=1), actor=editor
            )
        # Demo only: pretend the privacy course was assigned a month ago and fell due ten days ago.
        past_due = today - dt.timedelta(days=10)
        privacy.assignments.update(due_on=past_due)
        Enrollment.objects.filter(course=privacy).update(due_on=past_due)
        done = Enrollment.objects.get(course=privacy, user=sibling_officer)
        for lesson in privacy.lessons.all():
            services.lesson_mark_read(enrollment=done, lesson=lesson, actor=sibling_officer)
        services.quiz_submit(enrollment=done, answers=_right_answers(privacy), actor=sibling_officer)
    services.training_reminders_send(today=today)
