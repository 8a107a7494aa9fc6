"""A live Zalo for any test that sends or receives: the emulator on a real port, its webhooks posted to
the live test server, and an OA connected through the emulator's OAuth consent step as an officer would.

Registered as a plugin in ``tests/conftest.py``; use the ``zalo_live`` fixture (it needs a
transactional database, as ``live_server`` does).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from caunoi.channels.models import ChannelIdentity, WebhookEvent, ZaloAccount
from caunoi.channels.services import webhook_event_process, zalo_account_connect, zalo_authorization_start
from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from caunoi.channels.zalo.emulator import config as defaults
from caunoi.geo.models import Unit
from tests.conftest import ensure_units


def wait_until(check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll until ``check()`` is truthy; fail the test with a clear message when it never is."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {check}")
        time.sleep(interval)


@dataclass
class LiveZalo:
    emulator: ZaloEmulator
    account: ZaloAccount

    @property
    def url(self) -> str:
        return self.emulator.url

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.emulator.url}/_admin/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def process_webhooks(self) -> int:
        """Process what the webhook stored, as the worker would."""
        pending = list(WebhookEvent.objects.filter(processed_at__isnull=True).order_by("received_at"))
        for stored in pending:
            webhook_event_process(stored=stored)
        return len(pending)

    def followers_write_in(self, count: int, **kinds: float) -> list[ChannelIdentity]:
        """``count`` followers send a message now (so their consultation window is open)."""
        before = WebhookEvent.objects.count()
        self.admin(
            "POST",
            "drive",
            json={
                "events": count,
                "rate_per_second": 500,
                "kinds": kinds or {"user_send_text": 1},
                "wait": True,
            },
        )
        wait_until(lambda: WebhookEvent.objects.count() >= before + count)
        self.process_webhooks()
        return list(ChannelIdentity.objects.filter(account=self.account).order_by("-last_interaction_at"))

    def sent_total(self) -> int:
        """How many messages the emulator accepted from us (each counted once)."""
        return int(self.admin("GET", "messages")["total"])


def connect_account(emulator_url: str, unit: Unit) -> ZaloAccount:
    """Connect the OA as the Channels page does, through the emulator's consent step."""
    start = zalo_authorization_start(redirect_uri="http://testserver/channels/zalo/callback/")
    consent = httpx.URL(start.url)
    back = httpx.post(f"{emulator_url}/v4/oa/permission", data=dict(consent.params)).headers["location"]
    return zalo_account_connect(
        unit=unit,
        query=dict(httpx.URL(back).params),
        expected_state=start.state,
        code_verifier=start.code_verifier,
        actor=None,
    )


@pytest.fixture
def zalo_live(live_server: Any, settings: Any) -> Iterator[LiveZalo]:
    ensure_units()
    emulator = ZaloEmulator(
        EmulatorConfig(
            followers=20,
            seed=3,
            seen_share=1.0,  # every message is read, so a test never waits on chance
            webhook_url=f"{live_server.url}/webhooks/zalo",
            time_factor=10_000,
        )
    ).start()
    settings.CAUNOI_ZALO_APP_ID = defaults.DEFAULT_APP_ID
    settings.CAUNOI_ZALO_APP_SECRET = defaults.DEFAULT_APP_SECRET
    settings.CAUNOI_ZALO_OA_SECRET_KEY = defaults.DEFAULT_OA_SECRET_KEY
    settings.CAUNOI_ZALO_WEBHOOK_SIGNER = "oa"
    settings.CAUNOI_ZALO_OAUTH_URL = emulator.url
    settings.CAUNOI_ZALO_API_URL = emulator.url
    settings.CAUNOI_ZALO_ZNS_URL = emulator.url
    try:
        account = connect_account(emulator.url, Unit.objects.get(code="08"))
        yield LiveZalo(emulator=emulator, account=account)
    finally:
        emulator.stop()
