"""An officer signs in, sees their dashboard in Vietnamese, and switches to English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import en, screenshot, vi

pytestmark = pytest.mark.e2e


def test_it_shows_the_dashboard_in_vietnamese_and_switches_to_english(page, live_server, officer, sign_in):
    sign_in(officer)

    assert page.url == f"{live_server.url}/"
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert vi("Dashboard") != en("Dashboard"), "the Vietnamese catalogue is not compiled"
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Dashboard"))
    cards = page.locator("section.cards > article")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 3  # the core's three, then one per app the officer works in
    expect(cards.filter(has_text=vi("Your roles"))).to_contain_text("Phường Hà Giang 1")
    expect(cards.filter(has_text=vi("Units"))).to_contain_text(vi("villages and residential groups"))
    citizens_card = cards.filter(has_text=vi("citizens recorded"))
    expect(citizens_card.locator(".figure")).to_have_text("3")
    expect(page.get_by_text("Nguyễn Thị Lan")).to_be_visible()
    screenshot(page, "dashboard", publish=True)

    # The selector submits itself (static/caunoi/app.js): no button to press.
    page.get_by_label(vi("Language")).select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("section.cards")).to_contain_text("citizens recorded")
    screenshot(page, "dashboard-en")

    # The choice sticks on the next page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Citizens").click()
    expect(page).to_have_url(f"{live_server.url}/citizens/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Citizens")
    expect(page.get_by_role("link", name="Chị Lò Thị Hoa")).to_be_visible()
