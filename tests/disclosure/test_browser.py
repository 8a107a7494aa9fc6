"""In a real browser: an officer publishes on the disclosure board, a resident comments, the officer
approves, and script typed by either never runs (no dialog opens, the text is shown as typed)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, FilePayload, Page, expect

from caunoi.disclosure.models import Comment, Publication
from caunoi.disclosure.spam import MIN_FILL_SECONDS
from tests.disclosure.support import PDF
from tests.e2e import conftest as e2e
from tests.e2e.conftest import vi

# The browser fixtures live in tests/e2e/conftest.py; naming them here makes them reach this module.
browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args
_static_root = e2e._static_root
commune = e2e.commune
officer = e2e.officer
page = e2e.page
sign_in = e2e.sign_in

pytestmark = pytest.mark.e2e

XSS_TITLE = 'Dự toán 2026 <img src=x onerror="alert(1)">'
XSS_COMMENT = "Đồng ý <script>alert('x')</script>"


def test_publish_comment_and_moderate_with_script_shown_inert(
    page: Page, browser: Browser, live_server: Any, sign_in: Any, officer: Any, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "vi"  # the other disclosure tests run in English; here, as residents see it
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)

    sign_in(officer)
    page.goto(f"{live_server.url}/disclosure/new/")
    page.locator("#id_category").select_option("budget")
    page.locator("#id_title").fill(XSS_TITLE)
    page.locator("#id_body").fill("Tổng thu: 12,5 tỷ đồng.\nTổng chi: 12,3 tỷ đồng.")
    page.get_by_label(vi("Document (optional)")).set_input_files(
        files=[FilePayload(name="du-toan.pdf", mimeType="application/pdf", buffer=PDF)]
    )
    page.get_by_role("button", name=vi("Publish"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS_TITLE)
    item = Publication.objects.get()
    assert item.attachments.count() == 1

    resident = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh").new_page()
    resident.on("dialog", record)
    resident.goto(f"{live_server.url}/cong-khai/00694/")
    resident.get_by_role("link", name=XSS_TITLE).click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(XSS_TITLE)
    expect(
        resident.get_by_text("Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15", exact=False)
    ).to_be_visible()
    resident.get_by_label(vi("Name to show")).fill("Bác Tư <b>tổ 5</b>")
    resident.get_by_label(vi("Your comment")).fill(XSS_COMMENT)
    resident.wait_for_timeout(MIN_FILL_SECONDS * 1000)  # a person takes longer than that to write
    resident.get_by_role("button", name=vi("Send"), exact=True).click()
    expect(resident.locator(".flash-success")).to_be_visible()
    comment = Comment.objects.get()
    assert comment.text == XSS_COMMENT

    page.goto(f"{live_server.url}/disclosure/moderation/")
    expect(page.get_by_text(XSS_COMMENT)).to_be_visible()
    page.get_by_role("button", name=vi("Show"), exact=True).click()

    resident.reload()
    expect(resident.get_by_text(XSS_COMMENT)).to_be_visible()
    expect(resident.get_by_text("Bác Tư <b>tổ 5</b>")).to_be_visible()
    assert resident.locator("main img").count() == 0
    assert dialogs == []
