"""In the browser: a citizen's script or HTML (in their name, message or a file name) stays inert text,
and an SOS arriving while the inbox is open appears at the top, with the alert, without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from caunoi.citizens.models import ConsentPurpose
from caunoi.citizens.services import citizen_create
from caunoi.inbox.models import PetitionAttachment, PetitionSource
from caunoi.inbox.services import conversations_ingest, petition_create
from tests.e2e.conftest import screenshot, vi
from tests.inbox.helpers import inbound

pytestmark = pytest.mark.e2e

PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


def test_citizen_markup_is_inert_and_an_sos_arrives_live(page, live_server, officer, commune, sign_in):
    citizen = citizen_create(
        home_unit=commune, display_name=f"Anh {PAYLOAD}", consents=[ConsentPurpose.FEEDBACK], actor=officer
    )
    inbound(citizen, f"Đèn đường hỏng {PAYLOAD}")
    conversations_ingest()
    petition = petition_create(
        citizen=citizen,
        text=f"Cống tắc {PAYLOAD}",
        commune=commune,
        source=PetitionSource.PHONE,
        actor=officer,
    )
    PetitionAttachment.objects.create(
        petition=petition, name=f"{PAYLOAD}.png", mime="image/png", size=10, stored_name="x"
    )

    sign_in(officer)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Inbox"))
    expect(page.locator("main table")).to_contain_text("<script>window.__pwned=1</script>")
    page.locator("main table a", has_text="Anh").first.click()
    expect(page.locator("#thread")).to_contain_text("Đèn đường hỏng <img src=x")
    screenshot(page, "inbox-conversation", publish=True, full_page=True)
    page.goto(f"{live_server.url}/inbox/petitions/{petition.pk}/")
    expect(page.locator("main")).to_contain_text(f"{PAYLOAD}.png")
    screenshot(page, "inbox-petition", publish=True, full_page=True)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img").count() == 0

    page.goto(f"{live_server.url}/inbox/")
    sos_citizen = citizen_create(home_unit=commune, display_name="Chị Sầm Thị Lụa", actor=officer)
    inbound(sos_citizen, "cuu voi, nuoc lu len toi mai nha")
    conversations_ingest()
    expect(page.locator(".sos-queue")).to_contain_text("Chị Sầm Thị Lụa", timeout=10_000)
    expect(page.locator("#sos-banner")).to_be_visible()
    expect(page.locator("main table tbody tr").first).to_contain_text("Chị Sầm Thị Lụa")
    assert page.evaluate("document.getElementById('sos-sound').src").endswith("/static/inbox/sos.wav")
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "inbox-sos", publish=True)
