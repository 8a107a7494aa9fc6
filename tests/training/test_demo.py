"""The demo seeds the conference course through the real services, once."""

from __future__ import annotations

import pytest

from caunoi.demo import demo_seed
from caunoi.training import seed_course
from caunoi.training.models import Certificate, Course, Enrollment, Reminder
from caunoi.training.text import render_lesson_text

pytestmark = pytest.mark.django_db


def test_the_demo_course_is_assigned_to_the_commune_officers_and_seeding_twice_adds_nothing(
    units, monkeypatch
):
    monkeypatch.setattr("caunoi.demo.APP_SEEDS", ("caunoi.training.demo",))  # only ours, not other apps'
    demo_seed()
    demo_seed()

    course = Course.objects.get(title=seed_course.COURSE_TITLE)
    assert [lesson.title[:6] for lesson in course.lessons.all()] == [f"Bài {i}." for i in range(1, 6)]
    assert course.questions.count() == 10
    assert all(q.explanation for q in course.questions.all())
    enrolled = set(Enrollment.objects.filter(course=course).values_list("user__username", flat=True))
    assert enrolled == {"xa.hagiang1", "xa.hagiang2"}
    fresh = Enrollment.objects.get(course=course, user__username="xa.hagiang1")
    assert fresh.progress.count() == 0 and fresh.completed_at is None
    assert course.sessions.count() == 1
    [handout] = course.lessons.get(position=2).files.all()
    assert handout.mime == "application/pdf" and handout.size > 5000

    privacy = Course.objects.get(title=seed_course.PRIVACY_TITLE)
    assert Certificate.objects.filter(enrollment__course=privacy).count() == 1
    assert Reminder.objects.filter(enrollment__course=privacy).count() == 2  # xa.hagiang1 and ctv.hagiang1
    assert Course.objects.count() == 2


@pytest.mark.parametrize("lesson", seed_course.LESSONS, ids=lambda x: x.title[:6])
def test_each_conference_lesson_is_substantial_and_renders(lesson):
    paragraphs = [block for block in lesson.body.split("\n\n") if block.strip()]
    assert len(paragraphs) >= 8
    html = render_lesson_text(lesson.body)
    assert "<h3>" in html and "<li>" in html


def test_every_seed_question_has_a_right_answer_and_explains_it():
    for q in seed_course.QUESTIONS + seed_course.PRIVACY_QUESTIONS:
        right = sum(ok for _text, ok in q.choices)
        assert right >= 1 and (q.multiple or right == 1), q.text
        assert len(q.explanation) > 40, q.text
