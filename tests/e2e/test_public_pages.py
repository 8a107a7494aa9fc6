"""The public pages on a 360-px phone: announcements read well, and a resident sends feedback."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from caunoi.channels.models import InboundMessage
from caunoi.channels.services import web_post_publish
from caunoi.channels.web import MIN_FILL_SECONDS, message_reference
from tests.e2e.conftest import PHONE, screenshot, vi
from tests.e2e.test_phone import TOLERANCE, controls_outside_the_screen, overflow

pytestmark = pytest.mark.e2e


def test_a_resident_reads_the_announcements_and_sends_feedback_on_a_phone(
    page, live_server, commune, officer
):
    web_post_publish(
        unit=commune,
        title="Lũ quét trên suối Nậm Kép: không qua ngầm",
        body="Mưa lớn kéo dài.\n\nBà con tuyệt đối không qua ngầm tràn khi nước lên.",
        priority="emergency",
        actor=officer,
    )
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/p/00694/")
    expect(page.get_by_role("heading", level=2, name=vi("Emergency"))).to_be_visible()
    assert overflow(page) <= TOLERANCE
    assert controls_outside_the_screen(page) == []
    screenshot(page, "public-unit-phone", publish=True)

    page.get_by_role("link", name="Lũ quét trên suối Nậm Kép: không qua ngầm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lũ quét trên suối Nậm Kép: không qua ngầm")
    assert overflow(page) <= TOLERANCE

    page.get_by_role("link", name=vi("Send feedback")).first.click()
    page.get_by_label(vi("Your message")).fill("Cầu treo thôn Nà Khà bị hỏng một tấm ván.")
    page.get_by_label(vi("Your name (optional)")).fill("Anh Vàng A Sử")
    page.get_by_label(vi("Phone (optional)")).fill("0987 654 321")
    page.locator("input[name=consent_feedback]").check()
    page.locator("input[name=consent_contact]").check()
    assert overflow(page) <= TOLERANCE
    assert controls_outside_the_screen(page) == []
    screenshot(page, "public-contact-phone", publish=True, full_page=True)
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000)  # a person takes longer than that to write
    page.get_by_role("button", name=vi("Send")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Message received"))
    message = InboundMessage.objects.get()
    expect(page.locator(".reference")).to_have_text(message_reference(message.provider_message_id))
    assert message.citizen.phone == "84987654321"
    assert set(message.citizen.consents.values_list("purpose", flat=True)) == {"feedback", "contact"}
    assert overflow(page) <= TOLERANCE
