"""Training write use-cases: build a course, assign it, learn, take the quiz, attend, complete, remind."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.accounts.models import RoleAssignment
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.permissions import Role
from caunoi.core.services import audit_record
from caunoi.core.text import nfc
from caunoi.geo.models import Unit
from caunoi.training import files
from caunoi.training.models import (
    Assignment,
    Attendance,
    Certificate,
    Choice,
    Course,
    CourseStatus,
    Enrollment,
    Lesson,
    LessonFile,
    LessonProgress,
    Question,
    QuestionKind,
    QuizAttempt,
    Reminder,
    TrainingSession,
)

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = nfc(value).strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("At most %(n)s characters.") % {"n": max_length},
            field=field,
        )
    return value


def _require_draft(course: Course) -> None:
    if course.status != CourseStatus.DRAFT:
        raise InvalidState(_("A published course cannot be changed; everyone must take the same course."))


def _check_pass_mark(pass_mark: int) -> None:
    if not 1 <= pass_mark <= 100:
        raise ValidationFailed(_("The pass mark is a percentage from 1 to 100."), field="pass_mark")


# Building a course ----------------------------------------------------------------------------------


def course_create(
    *,
    unit: Unit,
    title: str,
    summary: str = "",
    pass_mark: int = 70,
    requires_attendance: bool = False,
    actor: Any,
) -> Course:
    """Xây dựng khoá học. It starts as a draft that only managers see."""
    _check_pass_mark(pass_mark)
    with transaction.atomic():
        course = Course.objects.create(
            unit=unit,
            title=_text(title, field="title", max_length=200),
            summary=_text(summary, field="summary", max_length=5000, required=False),
            pass_mark=pass_mark,
            requires_attendance=requires_attendance,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(actor=actor, action="training.course_create", obj=course, unit=unit)
    return course


def course_update(
    *, course: Course, title: str, summary: str, pass_mark: int, requires_attendance: bool, actor: Any
) -> Course:
    _require_draft(course)
    _check_pass_mark(pass_mark)
    with transaction.atomic():
        course.title = _text(title, field="title", max_length=200)
        course.summary = _text(summary, field="summary", max_length=5000, required=False)
        course.pass_mark = pass_mark
        course.requires_attendance = requires_attendance
        course.save(update_fields=["title", "summary", "pass_mark", "requires_attendance"])
        audit_record(actor=actor, action="training.course_update", obj=course, unit=course.unit)
    return course


def lesson_add(
    *, course: Course, title: str, body: str = "", link_url: str = "", link_title: str = "", actor: Any
) -> Lesson:
    """Thêm bài học at the end of the course."""
    _require_draft(course)
    link_url = link_url.strip()
    if link_url and not link_url.startswith(("https://", "http://")):
        raise ValidationFailed(_("A link must start with https:// or http://."), field="link_url")
    with transaction.atomic():
        position = (course.lessons.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        lesson = Lesson.objects.create(
            course=course,
            position=position,
            title=_text(title, field="title", max_length=200),
            body=_text(body, field="body", max_length=50_000, required=False),
            link_url=link_url[:200],
            link_title=_text(link_title, field="link_title", max_length=200, required=False),
        )
        audit_record(
            actor=actor,
            action="training.lesson_add",
            obj=lesson,
            unit=course.unit,
            after={"title": lesson.title},
        )
    return lesson


def lesson_update(
    *, lesson: Lesson, title: str, body: str = "", link_url: str = "", link_title: str = "", actor: Any
) -> Lesson:
    """Sửa bài học (drafts only)."""
    _require_draft(lesson.course)
    link_url = link_url.strip()
    if link_url and not link_url.startswith(("https://", "http://")):
        raise ValidationFailed(_("A link must start with https:// or http://."), field="link_url")
    with transaction.atomic():
        lesson.title = _text(title, field="title", max_length=200)
        lesson.body = _text(body, field="body", max_length=50_000, required=False)
        lesson.link_url = link_url[:200]
        lesson.link_title = _text(link_title, field="link_title", max_length=200, required=False)
        lesson.save(update_fields=["title", "body", "link_url", "link_title"])
        audit_record(actor=actor, action="training.lesson_update", obj=lesson, unit=lesson.course.unit)
    return lesson


def lesson_file_attach(*, lesson: Lesson, name: str, content: bytes, actor: Any) -> LessonFile:
    """Đính kèm tài liệu: checked by content (not by its name), then stored outside the web root."""
    _require_draft(lesson.course)
    checked = files.check_upload(name, content)
    stored_name = files.store(checked)
    with transaction.atomic():
        attached = LessonFile.objects.create(
            lesson=lesson,
            name=checked.name,
            stored_name=stored_name,
            mime=checked.mime,
            size=len(checked.content),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="training.lesson_file_attach",
            obj=attached,
            unit=lesson.course.unit,
            after={"name": attached.name, "size": attached.size, "sha256": stored_name},
        )
    return attached


def question_add(
    *,
    course: Course,
    text: str,
    kind: str,
    choices: Sequence[tuple[str, bool]],
    explanation: str = "",
    actor: Any,
) -> Question:
    """Thêm câu hỏi. A single-choice question has exactly one right answer; a multiple-choice one at
    least one; both need at least two answers to choose from."""
    _require_draft(course)
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("Choose the kind of question."), field="kind")
    cleaned = [(nfc(t).strip(), bool(ok)) for t, ok in choices if nfc(t).strip()]
    if len(cleaned) < 2:
        raise ValidationFailed(_("Give at least two answers to choose from."), field="choices")
    if any(len(t) > 500 for t, _ok in cleaned):
        raise ValidationFailed(_("An answer has at most 500 characters."), field="choices")
    right = sum(ok for _t, ok in cleaned)
    if kind == QuestionKind.SINGLE and right != 1:
        raise ValidationFailed(_("Mark exactly one answer as correct."), field="choices")
    if kind == QuestionKind.MULTIPLE and right < 1:
        raise ValidationFailed(_("Mark at least one answer as correct."), field="choices")
    with transaction.atomic():
        position = (
            course.questions.order_by("-position").values_list("position", flat=True).first() or 0
        ) + 1
        question = Question.objects.create(
            course=course,
            position=position,
            text=_text(text, field="text", max_length=2000),
            kind=kind,
            explanation=_text(explanation, field="explanation", max_length=5000, required=False),
        )
        Choice.objects.bulk_create(
            Choice(question=question, position=i, text=t, is_correct=ok)
            for i, (t, ok) in enumerate(cleaned, 1)
        )
        audit_record(actor=actor, action="training.question_add", obj=question, unit=course.unit)
    return question


def question_remove(*, question: Question, actor: Any) -> None:
    """Bỏ câu hỏi (drafts only); the ones after it move up so numbers stay 1, 2, 3…"""
    course = question.course
    _require_draft(course)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="training.question_remove",
            obj=question,
            unit=course.unit,
            before={"text": question.text[:200]},
        )
        position = question.position
        question.delete()
        for later in course.questions.filter(position__gt=position).order_by("position"):
            later.position -= 1
            later.save(update_fields=["position"])


def course_publish(*, course: Course, actor: Any) -> Course:
    """Ban hành khoá học: from now on it can be assigned and its content is fixed."""
    _require_draft(course)
    if not course.lessons.exists():
        raise InvalidState(_("Add at least one lesson before publishing."))
    if not course.questions.exists():
        raise InvalidState(_("Add at least one quiz question before publishing."))
    with transaction.atomic():
        course.status = CourseStatus.PUBLISHED
        course.published_at = timezone.now()
        course.save(update_fields=["status", "published_at"])
        audit_record(actor=actor, action="training.course_publish", obj=course, unit=course.unit)
    return course


# Assigning ------------------------------------------------------------------------------------------


def _learners(unit: Unit, role: str) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.active()
        .filter(role=role, unit__path__startswith=unit.path, user__is_active=True)
        .select_related("unit")
        .order_by("user_id", "unit__path")
    )


def _enroll(assignment: Assignment) -> int:
    """Enrol everyone the assignment reaches who is not enrolled yet; an earlier due date wins."""
    holders = _learners(assignment.unit, assignment.role)
    existing = {
        e.user_id: e
        for e in Enrollment.objects.filter(course=assignment.course, user_id__in=[h.user_id for h in holders])
    }
    new: dict[int, Enrollment] = {}
    for holder in holders:
        current = existing.get(holder.user_id)
        if current is not None:
            if current.completed_at is None and assignment.due_on < current.due_on:
                current.due_on = assignment.due_on
                current.assignment = assignment
                current.save(update_fields=["due_on", "assignment"])
            continue
        new.setdefault(
            holder.user_id,
            Enrollment(
                course=assignment.course,
                user_id=holder.user_id,
                unit=holder.unit,
                assignment=assignment,
                due_on=assignment.due_on,
            ),
        )
    Enrollment.objects.bulk_create(new.values())
    return len(new)


def assignment_create(*, course: Course, unit: Unit, role: str, due_on: dt.date, actor: Any) -> Assignment:
    """Giao học theo vai trò và đơn vị: everyone holding ``role`` on ``unit`` or below is enrolled now;
    people who take up the role later are enrolled by the daily sync."""
    if course.status != CourseStatus.PUBLISHED:
        raise InvalidState(_("Only a published course can be assigned."))
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), field="role")
    if due_on < timezone.localdate():
        raise ValidationFailed(_("The due date cannot be in the past."), field="due_on")
    with transaction.atomic():
        assignment = Assignment.objects.create(
            course=course,
            unit=unit,
            role=role,
            due_on=due_on,
            assigned_by=actor if getattr(actor, "pk", None) else None,
        )
        enrolled = _enroll(assignment)
        audit_record(
            actor=actor,
            action="training.assign",
            obj=assignment,
            unit=unit,
            after={"course": course.pk, "role": role, "due_on": due_on.isoformat(), "enrolled": enrolled},
        )
    return assignment


def enrollments_sync() -> int:
    """Enrol staff who took up an assigned role after the assignment was made (run daily)."""
    with transaction.atomic():
        added = sum(
            _enroll(a)
            for a in Assignment.objects.filter(course__status=CourseStatus.PUBLISHED).select_related(
                "course", "unit"
            )
        )
        if added:
            audit_record(actor=None, action="training.enrollments_sync", after={"enrolled": added})
    return added


# Learning -------------------------------------------------------------------------------------------


def _is_complete(enrollment: Enrollment) -> bool:
    course = enrollment.course
    lessons = course.lessons.count()
    read = enrollment.progress.count()
    if read < lessons or enrollment.quiz_passed_at is None:
        return False
    return not course.requires_attendance or enrollment.attendance.filter(present=True).exists()


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"CN-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _complete_if_done(enrollment: Enrollment, *, actor: Any) -> bool:
    """Hoàn thành = every lesson read + quiz passed (+ attended when required); issue the certificate."""
    if enrollment.completed_at is not None or not _is_complete(enrollment):
        return False
    now = timezone.now()
    enrollment.completed_at = now
    enrollment.save(update_fields=["completed_at"])
    best = (
        enrollment.attempts.filter(passed=True).order_by("-percent").values_list("percent", flat=True).first()
    )
    user = enrollment.user
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        code=new_certificate_code(),
        issued_at=now,
        learner_name=(getattr(user, "full_name", "") or user.get_username())[:150],
        course_title=enrollment.course.title[:200],
        unit_name=enrollment.unit.name[:200],
        score_percent=best or 0,
    )
    audit_record(
        actor=actor,
        action="training.complete",
        obj=enrollment,
        unit=enrollment.unit,
        after={"certificate": certificate.code},
    )
    return True


def lesson_mark_read(*, enrollment: Enrollment, lesson: Lesson, actor: Any) -> bool:
    """Đánh dấu đã học. Returns True when this completed the course."""
    if lesson.course_id != enrollment.course_id:
        raise ValidationFailed(_("This lesson is not part of the course."), field="lesson")
    with transaction.atomic():
        LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=lesson, defaults={"read_at": timezone.now()}
        )
        return _complete_if_done(enrollment, actor=actor)


def _normalise_answers(
    course: Course, answers: Mapping[Any, Iterable[Any]]
) -> tuple[dict[int, set[int]], list[Question]]:
    questions = list(course.questions.prefetch_related("choices"))
    by_id = {q.pk: q for q in questions}
    chosen: dict[int, set[int]] = {}
    for raw_question, raw_choices in answers.items():
        try:
            question_id = int(raw_question)
            choice_ids = {int(c) for c in raw_choices}
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("Answers must be question and choice numbers."), field="answers"
            ) from None
        question = by_id.get(question_id)
        if question is None:
            raise ValidationFailed(
                _("Question %(id)s is not part of this quiz.") % {"id": question_id}, field="answers"
            )
        valid = {c.pk for c in question.choices.all()}
        if not choice_ids <= valid:
            raise ValidationFailed(
                _("An answer given to question %(n)s is not one of its choices.") % {"n": question.position},
                field="answers",
            )
        if question.kind == QuestionKind.SINGLE and len(choice_ids) > 1:
            raise ValidationFailed(
                _("Question %(n)s takes only one answer.") % {"n": question.position}, field="answers"
            )
        if choice_ids:
            chosen[question_id] = choice_ids
    missing = [q.position for q in questions if q.pk not in chosen]
    if missing:
        raise ValidationFailed(
            _("Answer every question (missing: %(list)s).") % {"list": ", ".join(map(str, missing))},
            field="answers",
        )
    return chosen, questions


def grade(questions: Sequence[Question], chosen: Mapping[int, set[int]]) -> int:
    """Questions answered exactly right: for several correct answers, all of them and nothing else."""
    return sum(
        1 for q in questions if chosen.get(q.pk, set()) == {c.pk for c in q.choices.all() if c.is_correct}
    )


def quiz_submit(*, enrollment: Enrollment, answers: Mapping[Any, Iterable[Any]], actor: Any) -> QuizAttempt:
    """Nộp bài kiểm tra: grade it, keep the attempt, complete the course when this was the last step."""
    course = enrollment.course
    if course.status != CourseStatus.PUBLISHED:
        raise InvalidState(_("This course is not open."))
    if enrollment.quiz_passed_at is not None:
        raise InvalidState(_("You have already passed this quiz."))
    chosen, questions = _normalise_answers(course, answers)
    correct = grade(questions, chosen)
    total = len(questions)
    percent = (correct * 100) // total if total else 0
    passed = percent >= course.pass_mark
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            enrollment=enrollment,
            submitted_at=timezone.now(),
            answers={str(q): sorted(c) for q, c in chosen.items()},
            correct=correct,
            total=total,
            percent=percent,
            passed=passed,
        )
        if passed:
            enrollment.quiz_passed_at = attempt.submitted_at
            enrollment.save(update_fields=["quiz_passed_at"])
        audit_record(
            actor=actor,
            action="training.quiz_submit",
            obj=attempt,
            unit=enrollment.unit,
            after={"percent": percent, "passed": passed},
        )
        if passed:
            _complete_if_done(enrollment, actor=actor)
    return attempt


# In-person sessions ---------------------------------------------------------------------------------


def session_create(
    *, course: Course, unit: Unit, title: str, starts_at: dt.datetime, place: str, actor: Any
) -> TrainingSession:
    """Tổ chức buổi tập huấn trực tiếp for the learners of ``unit`` and below."""
    if course.status != CourseStatus.PUBLISHED:
        raise InvalidState(_("Only a published course can have sessions."))
    with transaction.atomic():
        session = TrainingSession.objects.create(
            course=course,
            unit=unit,
            title=_text(title, field="title", max_length=200),
            starts_at=starts_at,
            place=_text(place, field="place", max_length=200),
            organiser=actor,
        )
        audit_record(actor=actor, action="training.session_create", obj=session, unit=unit)
    return session


def attendance_mark(*, session: TrainingSession, present_ids: Iterable[int], actor: Any) -> int:
    """Điểm danh: the organiser ticks who came. Everyone enrolled under the session's unit gets a row
    (present or not), so a later correction is one more call. Returns how many were present."""
    present = {int(i) for i in present_ids}
    enrollments = list(
        Enrollment.objects.filter(
            course=session.course, unit__path__startswith=session.unit.path
        ).select_related("course", "unit", "user")
    )
    known = {e.pk for e in enrollments}
    if not present <= known:
        raise ValidationFailed(_("Someone ticked is not enrolled in this session's course."), field="present")
    now = timezone.now()
    with transaction.atomic():
        for enrollment in enrollments:
            Attendance.objects.update_or_create(
                session=session,
                enrollment=enrollment,
                defaults={"present": enrollment.pk in present, "marked_by": actor, "marked_at": now},
            )
        audit_record(
            actor=actor,
            action="training.attendance",
            obj=session,
            unit=session.unit,
            after={"present": len(present), "listed": len(enrollments)},
        )
        for enrollment in enrollments:
            if enrollment.pk in present:
                _complete_if_done(enrollment, actor=actor)
    return len(present)


# Reminders ------------------------------------------------------------------------------------------


REMIND_EVERY_DAYS = 7


def training_reminders_send(*, today: dt.date | None = None) -> int:
    """Nhắc học quá hạn: one reminder per overdue enrolment per week, shown on the learner's dashboard
    card and in the managers' reminder list. Returns how many were written."""
    today = today or timezone.localdate()
    recent = Reminder.objects.filter(sent_on__gt=today - dt.timedelta(days=REMIND_EVERY_DAYS)).values(
        "enrollment_id"
    )
    due = (
        Enrollment.objects.overdue(today).filter(course__status=CourseStatus.PUBLISHED).exclude(pk__in=recent)
    )
    rows = [Reminder(enrollment=e, sent_on=today, days_overdue=(today - e.due_on).days) for e in due]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        audit_record(
            actor=None, action="training.reminders", after={"written": len(rows), "on": today.isoformat()}
        )
    return len(rows)


def reminders_seen(*, user: Any) -> int:
    """The learner opened their course list: their reminders stop showing as new."""
    return Reminder.objects.filter(enrollment__user=user, seen_at__isnull=True).update(seen_at=timezone.now())
