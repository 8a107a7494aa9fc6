"""A commune officer takes the conference course: reads every lesson, fails and then passes the quiz,
sees the explanations, and downloads the certificate; the province then sees the commune's readiness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from caunoi.training import seed_course, services
from caunoi.training.demo import _build
from caunoi.training.models import Certificate
from tests.e2e.conftest import _staff, screenshot, vi

pytestmark = pytest.mark.e2e


def test_an_officer_completes_the_course_and_downloads_the_certificate(page, live_server, officer, sign_in):
    province = Unit.objects.get(code="08")
    editor = _staff("tinh.bientap", "Hoàng Thị Bích", Role.EDITOR, province)
    course = _build(
        title=seed_course.COURSE_TITLE,
        summary=seed_course.COURSE_SUMMARY,
        lessons=seed_course.LESSONS,
        questions=seed_course.QUESTIONS,
        unit=province,
        editor=editor,
    )
    services.assignment_create(
        course=course,
        unit=province,
        role=Role.COMMUNE_OFFICER,
        due_on=timezone.localdate() + dt.timedelta(days=30),
        actor=editor,
    )

    sign_in(officer)
    page.get_by_role("link", name=vi("Training"), exact=True).first.click()
    page.get_by_role("link", name=seed_course.COURSE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_course.COURSE_TITLE)

    page.get_by_role("link", name=seed_course.LESSONS[0].title).click()
    for lesson in seed_course.LESSONS:
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        if lesson is seed_course.LESSONS[1]:
            screenshot(page, "training-lesson", publish=True)
        page.get_by_role("button", name=vi("I have read this lesson")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_course.COURSE_TITLE)
    expect(page.locator(".lesson-list .badge-ok")).to_have_count(len(seed_course.LESSONS))

    page.get_by_role("button", name=vi("Take the quiz")).click()

    def answer(*, wrong: int) -> None:
        for i, question in enumerate(seed_course.QUESTIONS):
            picks = [t for t, ok in question.choices if ok != (i < wrong)]
            for text in picks[: 1 if not question.multiple or i < wrong else None]:
                page.locator("fieldset.question").nth(i).get_by_label(text, exact=True).check()
        page.get_by_role("button", name=vi("Submit")).click()

    answer(wrong=4)
    expect(page.locator("#quiz-result")).to_contain_text("60%")
    expect(page.get_by_text(seed_course.QUESTIONS[0].explanation)).to_be_visible()
    page.get_by_role("button", name=vi("Try again")).click()

    answer(wrong=0)
    expect(page.locator("#quiz-result")).to_contain_text("100%")
    screenshot(page, "training-quiz-result", publish=True)
    with page.expect_download() as download_info:
        page.locator("#certificate-link").click()
    download = download_info.value
    certificate = Certificate.objects.get(enrollment__user=officer)
    assert download.suggested_filename == f"chung-nhan-{certificate.code}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # Anyone holding the paper can check the code.
    page.goto(f"{live_server.url}/training/verify/?code={certificate.code}")
    expect(page.locator("#verify-result")).to_have_text(vi("This certificate is genuine."))
    expect(page.locator("main dl")).to_contain_text("Nguyễn Thị Lan")


def test_the_province_sees_readiness_by_commune(page, live_server, officer, sign_in):
    province = Unit.objects.get(code="08")
    editor = _staff("tinh.bientap", "Hoàng Thị Bích", Role.EDITOR, province)
    course = _build(
        title=seed_course.PRIVACY_TITLE,
        summary=seed_course.PRIVACY_SUMMARY,
        lessons=seed_course.PRIVACY_LESSONS,
        questions=seed_course.PRIVACY_QUESTIONS,
        unit=province,
        editor=editor,
    )
    services.assignment_create(
        course=course, unit=province, role=Role.COMMUNE_OFFICER, due_on=timezone.localdate(), actor=editor
    )
    sign_in(editor)
    page.goto(f"{live_server.url}/training/readiness/")
    row = page.locator("#readiness tbody tr").filter(has_text="Hà Giang 1")
    expect(row).to_contain_text(seed_course.PRIVACY_TITLE)
    screenshot(page, "training-readiness", publish=True)
    row.get_by_role("link").click()
    expect(page.locator("main table")).to_contain_text("Nguyễn Thị Lan")
    screenshot(page, "training-readiness-unit", publish=True)
