"""On a 360-px phone the pages fit the screen and the navigation still works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, screenshot, vi

pytestmark = pytest.mark.e2e

TOLERANCE = 2  # px: sub-pixel rounding, not a scroll bar's worth


def overflow(page: Page) -> int:
    """How far the page is wider than the screen: positive means a horizontal scroll bar."""
    page.wait_for_load_state()  # measure with the stylesheets applied
    return page.evaluate("document.scrollingElement.scrollWidth") - PHONE["width"]


CONTROLS = "header a, header select, header button, main a, main button"
OUTSIDE = """([selector, width]) => [...document.querySelectorAll(selector)]
    .filter((el) => el.checkVisibility())
    .filter((el) => el.getBoundingClientRect().left < 0 || el.getBoundingClientRect().right > width + 1)
    .map((el) => el.outerHTML.slice(0, 80))"""


def controls_outside_the_screen(page: Page) -> list[str]:
    """Links, buttons and selects a thumb could not reach without scrolling sideways."""
    page.wait_for_load_state()
    return page.evaluate(OUTSIDE, [CONTROLS, PHONE["width"]])


def test_it_fits_a_360px_phone_and_the_navigation_works(page, live_server, officer, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(officer)

    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Dashboard"))
    assert overflow(page) <= TOLERANCE
    assert controls_outside_the_screen(page) == []
    screenshot(page, "phone", publish=True)

    nav = page.get_by_role("navigation", name=vi("Main"))
    nav.get_by_role("link", name=vi("Citizens")).click()
    expect(page).to_have_url(f"{live_server.url}/citizens/")
    expect(page.get_by_role("link", name="Chị Lò Thị Hoa")).to_be_visible()
    assert overflow(page) <= TOLERANCE
    assert controls_outside_the_screen(page) == []
    screenshot(page, "phone-citizens")

    nav.get_by_role("link", name=vi("Dashboard")).click()
    expect(page).to_have_url(f"{live_server.url}/")
