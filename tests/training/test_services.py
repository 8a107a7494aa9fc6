"""Training services: assignment reach, grading, completion rules, attendance, reminders, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.permissions import Role
from caunoi.training import services
from caunoi.training.models import Certificate, CourseStatus, Enrollment, QuestionKind, QuizAttempt, Reminder
from tests.conftest import make_staff
from tests.training.helpers import answers, assign, build_course, finish

pytestmark = pytest.mark.django_db


def test_assigning_by_role_and_unit_enrols_holders_in_the_unit_and_below_only(personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor)
    assign(course, p.units["province"], p.editor)

    enrolled = set(Enrollment.objects.filter(course=course).values_list("user__username", flat=True))

    # Commune officers of Tuyên Quang, not reporters, not province staff, not Cao Bằng's officer.
    assert enrolled == {"xa.officer", "xa.sibling"}
    assert Enrollment.objects.get(course=course, user=p.commune_officer).unit == p.units["commune"]


def test_a_later_assignment_keeps_one_enrolment_with_the_earlier_due_date(personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor)
    assign(course, p.units["province"], p.editor, days=30)
    assign(course, p.units["commune"], p.editor, days=10)

    mine = Enrollment.objects.filter(course=course, user=p.commune_officer)
    assert mine.count() == 1
    assert mine.get().due_on == timezone.localdate() + dt.timedelta(days=10)
    assert Enrollment.objects.get(course=course, user=p.sibling_officer).due_on == (
        timezone.localdate() + dt.timedelta(days=30)
    )


def test_staff_who_take_up_the_role_later_are_enrolled_by_the_sync(personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor)
    assign(course, p.units["province"], p.editor)
    newcomer = make_staff("xa.moi", Role.COMMUNE_OFFICER, p.units["commune"])

    assert services.enrollments_sync() == 1
    assert services.enrollments_sync() == 0
    assert Enrollment.objects.filter(course=course, user=newcomer).exists()


def test_only_published_courses_are_assigned_and_never_with_a_past_due_date(personas):
    p = personas
    draft = build_course(unit=p.units["province"], actor=p.editor, publish=False)
    with pytest.raises(InvalidState):
        assign(draft, p.units["province"], p.editor)
    course = build_course(unit=p.units["province"], actor=p.editor)
    with pytest.raises(ValidationFailed) as exc:
        assign(course, p.units["province"], p.editor, days=-1)
    assert exc.value.field == "due_on"


def test_a_published_course_cannot_be_changed(personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor)
    assert course.status == CourseStatus.PUBLISHED
    with pytest.raises(InvalidState):
        services.lesson_add(course=course, title="Thêm", actor=p.editor)
    with pytest.raises(InvalidState):
        services.question_add(
            course=course, text="?", kind="single", choices=[("a", True), ("b", False)], actor=p.editor
        )


def test_removing_a_question_renumbers_the_ones_after_it(personas):
    course = build_course(unit=personas.units["province"], actor=personas.editor, publish=False)
    services.question_remove(question=course.questions.get(position=2), actor=personas.editor)
    assert list(course.questions.values_list("position", "text")) == [
        (1, "Câu 1?"),
        (2, "Câu 3?"),
        (3, "Câu nhiều đáp án?"),
    ]
    lesson = course.lessons.get(position=1)
    services.lesson_update(lesson=lesson, title="Bài mở đầu", body="Mới", actor=personas.editor)
    services.course_publish(course=course, actor=personas.editor)
    with pytest.raises(InvalidState):
        services.question_remove(question=course.questions.get(position=1), actor=personas.editor)
    with pytest.raises(InvalidState):
        services.lesson_update(lesson=lesson, title="Muộn", actor=personas.editor)


def test_publishing_needs_lessons_and_questions(personas):
    p = personas
    empty = services.course_create(unit=p.units["province"], title="Trống", actor=p.editor)
    with pytest.raises(InvalidState):
        services.course_publish(course=empty, actor=p.editor)
    services.lesson_add(course=empty, title="Bài 1", actor=p.editor)
    with pytest.raises(InvalidState):
        services.course_publish(course=empty, actor=p.editor)


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        ("single", [("Một", True)], "at least two"),
        ("single", [("Một", True), ("Hai", True)], "exactly one"),
        ("multiple", [("Một", False), ("Hai", False)], "at least one"),
        ("essay", [("Một", True), ("Hai", False)], "kind"),
    ],
)
def test_a_question_must_have_a_sensible_set_of_answers(personas, kind, choices, message):
    course = services.course_create(unit=personas.units["province"], title="Khoá", actor=personas.editor)
    with pytest.raises(ValidationFailed) as exc:
        services.question_add(course=course, text="Câu?", kind=kind, choices=choices, actor=personas.editor)
    assert message in exc.value.message


@pytest.mark.parametrize("pass_mark", [0, 101])
def test_the_pass_mark_is_a_percentage(personas, pass_mark):
    with pytest.raises(ValidationFailed) as exc:
        services.course_create(
            unit=personas.units["province"], title="K", pass_mark=pass_mark, actor=personas.editor
        )
    assert exc.value.field == "pass_mark"


def test_a_lesson_link_must_be_http(personas):
    course = services.course_create(unit=personas.units["province"], title="K", actor=personas.editor)
    with pytest.raises(ValidationFailed) as exc:
        services.lesson_add(course=course, title="B", link_url="javascript:alert(1)", actor=personas.editor)
    assert exc.value.field == "link_url"


# Grading ---------------------------------------------------------------------------------------------


@pytest.fixture
def enrolled(personas):
    course = build_course(unit=personas.units["province"], actor=personas.editor)
    assign(course, personas.units["province"], personas.editor)
    return Enrollment.objects.get(course=course, user=personas.commune_officer)


@pytest.mark.parametrize(
    ("wrong", "percent", "passed"), [(0, 100, True), (1, 75, True), (2, 50, False), (4, 0, False)]
)
def test_the_score_is_whole_questions_right_over_all_questions(enrolled, personas, wrong, percent, passed):
    attempt = services.quiz_submit(
        enrollment=enrolled, answers=answers(enrolled.course, wrong=wrong), actor=personas.commune_officer
    )
    assert (attempt.correct, attempt.total, attempt.percent, attempt.passed) == (
        4 - wrong,
        4,
        percent,
        passed,
    )


def test_a_multiple_choice_question_counts_only_when_every_right_answer_and_nothing_else_is_chosen(personas):
    course = build_course(unit=personas.units["province"], actor=personas.editor, pass_mark=100)
    assign(course, personas.units["province"], personas.editor)
    enrolled = Enrollment.objects.get(course=course, user=personas.commune_officer)
    multi = enrolled.course.questions.get(kind=QuestionKind.MULTIPLE)
    right = [c.pk for c in multi.choices.filter(is_correct=True)]
    wrong = multi.choices.get(is_correct=False).pk
    base = answers(enrolled.course)
    officer = personas.commune_officer

    partial = services.quiz_submit(enrollment=enrolled, answers={**base, multi.pk: right[:1]}, actor=officer)
    too_many = services.quiz_submit(
        enrollment=enrolled, answers={**base, multi.pk: [*right, wrong]}, actor=officer
    )
    exact = services.quiz_submit(enrollment=enrolled, answers={**base, multi.pk: right}, actor=officer)

    assert (partial.correct, too_many.correct, exact.correct) == (3, 3, 4)
    assert QuizAttempt.objects.filter(enrollment=enrolled).count() == 3


def test_the_pass_mark_is_inclusive(personas):
    course = build_course(unit=personas.units["province"], actor=personas.editor, pass_mark=75)
    assign(course, personas.units["province"], personas.editor)
    enrollment = Enrollment.objects.get(course=course, user=personas.commune_officer)
    attempt = services.quiz_submit(
        enrollment=enrollment, answers=answers(course, wrong=1), actor=personas.commune_officer
    )
    assert attempt.percent == 75
    assert attempt.passed


def test_an_answer_to_a_question_not_in_the_quiz_is_refused(enrolled, personas):
    other = build_course(unit=personas.units["province"], actor=personas.editor, title="Khoá khác")
    foreign = other.questions.get(position=1)
    bad = {**answers(enrolled.course), foreign.pk: [foreign.choices.get(position=1).pk]}

    with pytest.raises(ValidationFailed) as exc:
        services.quiz_submit(enrollment=enrolled, answers=bad, actor=personas.commune_officer)

    assert exc.value.field == "answers"
    assert str(foreign.pk) in exc.value.message
    assert not QuizAttempt.objects.exists()


def test_a_choice_from_another_question_or_two_answers_to_a_single_choice_question_are_refused(
    enrolled, personas
):
    first, second = list(enrolled.course.questions.order_by("position"))[:2]
    base = answers(enrolled.course)
    officer = personas.commune_officer
    with pytest.raises(ValidationFailed, match="not one of its choices"):
        services.quiz_submit(
            enrollment=enrolled, answers={**base, first.pk: [second.choices.first().pk]}, actor=officer
        )
    with pytest.raises(ValidationFailed, match="only one answer"):
        services.quiz_submit(
            enrollment=enrolled,
            answers={**base, first.pk: [c.pk for c in first.choices.all()][:2]},
            actor=officer,
        )
    with pytest.raises(ValidationFailed, match="Answer every question"):
        services.quiz_submit(enrollment=enrolled, answers={first.pk: base[first.pk]}, actor=officer)
    with pytest.raises(ValidationFailed):
        services.quiz_submit(enrollment=enrolled, answers={"abc": ["x"]}, actor=officer)


def test_a_passed_quiz_is_not_taken_again(enrolled, personas):
    services.quiz_submit(
        enrollment=enrolled, answers=answers(enrolled.course), actor=personas.commune_officer
    )
    enrolled.refresh_from_db()
    with pytest.raises(InvalidState):
        services.quiz_submit(
            enrollment=enrolled, answers=answers(enrolled.course), actor=personas.commune_officer
        )


# Completion ------------------------------------------------------------------------------------------


def test_completion_needs_every_lesson_read_and_the_quiz_passed_in_either_order(enrolled, personas):
    officer = personas.commune_officer
    first, second = list(enrolled.course.lessons.all())
    assert services.lesson_mark_read(enrollment=enrolled, lesson=first, actor=officer) is False
    services.quiz_submit(enrollment=enrolled, answers=answers(enrolled.course), actor=officer)
    enrolled.refresh_from_db()
    assert enrolled.completed_at is None  # one lesson still unread

    assert services.lesson_mark_read(enrollment=enrolled, lesson=second, actor=officer) is True
    enrolled.refresh_from_db()
    assert enrolled.completed_at is not None
    certificate = Certificate.objects.get(enrollment=enrolled)
    assert certificate.learner_name == officer.full_name
    assert certificate.unit_name == personas.units["commune"].name
    assert certificate.score_percent == 100
    assert certificate.code.startswith("CN-") and len(certificate.code) == 17


def test_reading_a_lesson_twice_counts_once_and_a_foreign_lesson_is_refused(enrolled, personas):
    lesson = enrolled.course.lessons.first()
    services.lesson_mark_read(enrollment=enrolled, lesson=lesson, actor=personas.commune_officer)
    services.lesson_mark_read(enrollment=enrolled, lesson=lesson, actor=personas.commune_officer)
    assert enrolled.progress.count() == 1
    other = build_course(unit=personas.units["province"], actor=personas.editor, title="Khác")
    with pytest.raises(ValidationFailed):
        services.lesson_mark_read(
            enrollment=enrolled, lesson=other.lessons.get(position=1), actor=personas.commune_officer
        )


def test_a_course_that_requires_attendance_completes_when_the_organiser_marks_the_learner_present(personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor, requires_attendance=True)
    assign(course, p.units["province"], p.editor)
    mine = Enrollment.objects.get(course=course, user=p.commune_officer)
    theirs = Enrollment.objects.get(course=course, user=p.sibling_officer)
    finish(mine, p.commune_officer)
    mine.refresh_from_db()
    assert mine.completed_at is None

    session = services.session_create(
        course=course,
        unit=p.units["province"],
        title="Hội nghị tập huấn",
        starts_at=timezone.now(),
        place="Hội trường Tỉnh uỷ",
        actor=p.editor,
    )
    assert services.attendance_mark(session=session, present_ids=[mine.pk], actor=p.editor) == 1

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.completed_at is not None
    assert theirs.completed_at is None
    assert session.attendance.count() == 2  # the absent are recorded as absent, not left out


def test_attendance_only_for_learners_under_the_session_unit(personas):
    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor, requires_attendance=True)
    assign(course, p.units["province"], p.editor)
    theirs = Enrollment.objects.get(course=course, user=p.sibling_officer)
    session = services.session_create(
        course=course,
        unit=p.units["commune"],
        title="Tập huấn xã",
        starts_at=timezone.now(),
        place="Nhà văn hoá",
        actor=p.editor,
    )
    with pytest.raises(ValidationFailed):
        services.attendance_mark(session=session, present_ids=[theirs.pk], actor=p.editor)


# Reminders -------------------------------------------------------------------------------------------


def test_overdue_learners_get_one_reminder_a_week_and_the_completed_none(enrolled, personas):
    p = personas
    sibling = Enrollment.objects.get(course=enrolled.course, user=p.sibling_officer)
    finish(sibling, p.sibling_officer)
    Enrollment.objects.filter(course=enrolled.course).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    today = timezone.localdate()

    assert services.training_reminders_send(today=today) == 1
    assert services.training_reminders_send(today=today + dt.timedelta(days=1)) == 0
    assert services.training_reminders_send(today=today + dt.timedelta(days=7)) == 1

    reminders = Reminder.objects.filter(enrollment=enrolled).order_by("sent_on")
    assert [r.days_overdue for r in reminders] == [3, 10]
    assert not Reminder.objects.filter(enrollment=sibling).exists()
    assert services.reminders_seen(user=p.commune_officer) == 2
