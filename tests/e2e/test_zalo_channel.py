"""A province administrator connects the Zalo OA through the emulator's consent page, then sends a
test message to a follower who wrote in, and sees it delivered and then seen."""

from __future__ import annotations

import time

import httpx
import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from caunoi.channels.models import ChannelIdentity, SentMessage, WebhookEvent
from caunoi.channels.services import webhook_event_process
from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from caunoi.channels.zalo.emulator import config as defaults
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from tests.e2e.conftest import _staff, screenshot, vi

pytestmark = pytest.mark.e2e


@pytest.fixture
def emulator(live_server, settings):
    emulator = ZaloEmulator(
        EmulatorConfig(
            followers=10,
            seed=5,
            seen_share=1.0,  # every test message is read, so the test never waits on chance
            webhook_url=f"{live_server.url}/webhooks/zalo",
            time_factor=10_000,
        )
    ).start()
    settings.CAUNOI_ZALO_APP_ID = defaults.DEFAULT_APP_ID
    settings.CAUNOI_ZALO_APP_SECRET = defaults.DEFAULT_APP_SECRET
    settings.CAUNOI_ZALO_OA_SECRET_KEY = defaults.DEFAULT_OA_SECRET_KEY
    settings.CAUNOI_ZALO_OAUTH_URL = emulator.url
    settings.CAUNOI_ZALO_API_URL = emulator.url
    yield emulator
    emulator.stop()


def work_the_queue() -> None:
    """What the Huey worker does with stored webhook events (no worker runs in browser tests)."""
    for stored in WebhookEvent.objects.filter(processed_at__isnull=True).order_by("received_at"):
        webhook_event_process(stored=stored)


def test_an_admin_connects_the_oa_and_sees_a_test_message_delivered_then_seen(
    page, live_server, commune, emulator, sign_in
):
    admin = _staff("tinh.quantri", "Nguyễn Văn An", Role.PROVINCE_ADMIN, Unit.objects.get(code="08"))
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    # A follower writes in before the OA is connected: the event waits, then is replayed.
    httpx.post(
        f"{emulator.url}/_admin/drive",
        json={"events": 1, "rate_per_second": 50, "kinds": {"user_send_text": 1}, "wait": True},
        timeout=10,
    )
    deadline = time.monotonic() + 30
    while not WebhookEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    work_the_queue()

    sign_in(admin)
    page.get_by_label(vi("Six-digit code from your authenticator app")).fill(f"{totp(device.bin_key):06d}")
    page.locator("main form button[type=submit]").click()
    nav = page.get_by_role("navigation", name=vi("Main"))
    nav.get_by_text(vi("Administration")).click()  # set-up pages open from one menu
    nav.get_by_role("link", name=vi("Channels")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Channels"))
    expect(nav.locator("summary.nav-current")).to_have_text(vi("Administration"))

    page.get_by_label(vi("The OA belongs to")).select_option(label="Tỉnh Tuyên Quang")
    page.get_by_role("button", name=vi("Connect with Zalo")).click()
    page.get_by_role("button", name="Cho phép").click()  # Zalo's (the emulator's) consent page
    expect(page.get_by_role("status")).to_contain_text(vi("%(name)s is connected.").split("%")[0] or "")
    expect(page.locator("article .badge-ok")).to_have_text(vi("Connected"))

    work_the_queue()  # the held message is replayed now that the OA is connected
    assert ChannelIdentity.objects.count() == 1
    page.reload()
    page.get_by_text(vi("Send a test message")).click()
    page.get_by_role("button", name=vi("Send"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        vi("Sent. Delivery and reading are shown below as Zalo reports them.")
    )

    sent = SentMessage.objects.get()
    deadline = time.monotonic() + 30
    while sent.status != "seen" and time.monotonic() < deadline:
        work_the_queue()
        sent.refresh_from_db()
        time.sleep(0.1)
    page.reload()
    expect(page.locator("article table tbody tr").first).to_contain_text(vi("Seen"))
    screenshot(page, "channels", publish=True, full_page=True)
