"""Fixtures of the fault tests: an in-process Zalo emulator whose webhooks go to a real ``caunoi serve``,
and the environment every subprocess of ours runs with (the test database, the test queue, Zalo)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from caunoi.channels.zalo.emulator import config as defaults
from caunoi.geo.models import Unit
from tests.conftest import ensure_units
from tests.core.test_worker import worker_env
from tests.faults.procs import free_port
from tests.zalo_live import connect_account


def zalo_env(emulator_url: str) -> dict[str, str]:
    return {
        "CAUNOI_ZALO_APP_ID": defaults.DEFAULT_APP_ID,
        "CAUNOI_ZALO_APP_SECRET": defaults.DEFAULT_APP_SECRET,
        "CAUNOI_ZALO_OA_SECRET_KEY": defaults.DEFAULT_OA_SECRET_KEY,
        "CAUNOI_ZALO_WEBHOOK_SIGNER": "oa",
        "CAUNOI_ZALO_OAUTH_URL": emulator_url,
        "CAUNOI_ZALO_API_URL": emulator_url,
        "CAUNOI_ZALO_ZNS_URL": emulator_url,
    }


def use_zalo(settings: Any, emulator_url: str) -> None:
    """This test process talks to the same emulator as the subprocesses."""
    for key, value in zalo_env(emulator_url).items():
        setattr(settings, key, value)


class WebhookRig:
    """The emulator (Zalo, retrying its webhooks on Zalo's schedule, sped up) and the OA connected to it."""

    def __init__(self, emulator: ZaloEmulator, web_port: int) -> None:
        self.emulator, self.web_port = emulator, web_port

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        return {**worker_env(), **zalo_env(self.emulator.url)}

    def webhook_stats(self) -> dict[str, Any]:
        return self.emulator.state.webhooks.stats()

    def drive(self, events: int, rate_per_second: float) -> None:
        """Followers write in: ``events`` signed ``user_send_text`` webhooks at about this rate."""
        import httpx

        answer = httpx.post(
            f"{self.emulator.url}/_admin/drive",
            json={"events": events, "rate_per_second": rate_per_second, "kinds": {"user_send_text": 1}},
            timeout=10,
        )
        answer.raise_for_status()

    def settled(self, events: int) -> bool:
        """Every event the drive emitted was queued, and none is waiting for a retry or in flight."""
        stats = self.webhook_stats()
        return stats["counts"].get("queued", 0) >= events and stats["pending"] == 0


@pytest.fixture
def webhook_rig(transactional_db: Any, settings: Any) -> Iterator[WebhookRig]:
    """Retries on Zalo's schedule (30 s, 5 min, 15 min, 30 min, 1 h) divided by 200: 0.15 s … 18 s."""
    ensure_units()
    assert not HUEY.immediate
    HUEY.flush()
    port = free_port()
    emulator = ZaloEmulator(
        EmulatorConfig(
            followers=80,
            seed=8,
            webhook_url=f"http://127.0.0.1:{port}/webhooks/zalo",
            time_factor=200,
            webhook_concurrency=4,
        )
    ).start()
    use_zalo(settings, emulator.url)
    try:
        connect_account(emulator.url, Unit.objects.get(code="08"))
        yield WebhookRig(emulator, port)
    finally:
        emulator.stop()
        HUEY.flush()
