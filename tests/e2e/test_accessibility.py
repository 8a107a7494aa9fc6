"""Accessibility basics: labelled controls, one heading 1, the page language, a keyboard path."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from caunoi.citizens.models import Citizen
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, vi

pytestmark = pytest.mark.e2e

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => {
        const byLabel = [...(el.labels || [])].some((label) => label.textContent.trim() !== '');
        const byAria = (el.getAttribute('aria-label') || '').trim() !== '';
        const byRef = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
            .some((id) => (document.getElementById(id)?.textContent || '').trim() !== '');
        return !(byLabel || byAria || byRef);
    })
    .map((el) => el.outerHTML.slice(0, 120))"""

DUPLICATE_IDS = """() => {
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}"""


def assert_accessibility_basics(page: Page, lang: str) -> None:
    where = page.url
    assert page.evaluate(UNLABELLED_CONTROLS) == [], where
    assert page.evaluate(DUPLICATE_IDS) == [], where
    assert page.locator("h1").count() == 1, where
    assert page.locator("html").get_attribute("lang") == lang, where
    assert page.title().strip() != "", where


def test_it_labels_every_control_on_the_main_pages_in_both_languages(page, live_server, officer, sign_in):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessibility_basics(page, "vi")
    sign_in(officer)
    citizen = Citizen.objects.get(display_name="Chị Lò Thị Hoa")
    paths = ["/", "/citizens/", "/citizens/new/", f"/citizens/{citizen.pk}/"]

    for lang in ("vi", "en"):
        page.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200, path
            assert_accessibility_basics(page, lang)


def test_it_signs_in_with_the_keyboard_alone(page, live_server, officer):
    page.goto(f"{live_server.url}/accounts/login/")
    username = page.get_by_label(vi("Username"))
    password = page.get_by_label(vi("Password"))
    expect(username).to_be_focused()  # autofocus
    screenshot(page, "login")

    page.keyboard.type(officer.get_username())
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=vi("Sign in"))).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Dashboard"))


def test_it_offers_a_visible_skip_link_as_the_first_tab_stop(page, live_server, officer, sign_in):
    sign_in(officer)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=vi("Skip to content"))
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/#main")
