"""An approver must set up an authenticator before reaching anything."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, vi

pytestmark = pytest.mark.e2e


def test_it_sends_an_approver_through_authenticator_setup_to_the_dashboard(
    page, live_server, approver, sign_in
):
    sign_in(approver)

    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/setup/?next=%2F")
    expect(page.locator(".qr svg")).to_be_visible()
    screenshot(page, "2fa-setup")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    code = totp(base64.b32decode(secret))  # what the approver's phone app shows now
    page.get_by_label(vi("Six-digit code from your authenticator app")).fill(f"{code:06d}")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Dashboard"))
    expect(page.get_by_role("status")).to_have_text(vi("Two-factor authentication is on."))
    assert TOTPDevice.objects.filter(user=approver, confirmed=True).count() == 1


def test_it_keeps_an_approver_on_the_setup_page_after_a_wrong_code(page, live_server, approver, sign_in):
    sign_in(approver)
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    wrong = (totp(base64.b32decode(secret)) + 500_000) % 1_000_000

    page.get_by_label(vi("Six-digit code from your authenticator app")).fill(f"{wrong:06d}")
    page.locator("main form button[type=submit]").click()

    expect(page.locator("small.error[role=alert]")).to_be_visible()
    expect(page.get_by_test_id("totp-secret")).to_have_text(secret)
    page.goto(f"{live_server.url}/citizens/")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/setup/?next=%2Fcitizens%2F")
    assert not TOTPDevice.objects.filter(user=approver, confirmed=True).exists()
