"""A provider answering slowly, timing out, or answering garbage, while a real worker sends a campaign.

Every delivery must end delivered or terminally failed with a reason (never stuck in ``queued`` or
``sending``), nobody may receive the message twice (the emulator's log), and the counts must add up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from caunoi.campaigns.models import Campaign, CampaignState, Delivery, DeliveryStatus
from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from caunoi.geo.models import Unit
from tests.campaigns.helpers import assert_counts_match
from tests.campaigns.test_engine_live import TERMINAL, launch, sent_count, statuses, zalo_audience
from tests.core.test_worker import worker_env
from tests.faults import procs
from tests.faults.conftest import use_zalo, zalo_env
from tests.faults.proxy import HostileProxy
from tests.zalo_live import LiveZalo, connect_account

pytestmark = [pytest.mark.fault, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@dataclass
class Sender:
    live: LiveZalo
    worker: procs.Proc | None = None

    def start_worker(self, log: Any, api_url: str | None = None) -> procs.Proc:
        env = {
            **worker_env(),
            **zalo_env(self.live.url),
            "CAUNOI_CAMPAIGN_RETRY_BASE_SECONDS": "0.05",
            "CAUNOI_CAMPAIGN_RATE_ZALO": "80",
            "CAUNOI_CAMPAIGN_BATCH": "20",
        }
        if api_url:
            env["CAUNOI_ZALO_API_URL"] = api_url
        self.worker = procs.worker(env, log).start()
        return self.worker

    def completed(self, campaign: Campaign, timeout: float = 60) -> None:
        assert self.worker is not None
        procs.wait(
            lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED,
            f"the campaign completed (now {statuses(campaign)})",
            procs=(self.worker,),
            timeout=timeout,
        )


@pytest.fixture
def sender(personas: Any, settings: Any) -> Iterator[Sender]:
    """The emulator with a short timeout hold: a "timeout" call is held 1 s, then its connection drops."""
    assert not HUEY.immediate
    HUEY.flush()
    emulator = ZaloEmulator(EmulatorConfig(followers=10, seed=4, timeout_hold_s=1.0)).start()
    use_zalo(settings, emulator.url)
    out = Sender(LiveZalo(emulator, connect_account(emulator.url, Unit.objects.get(code="08"))))
    try:
        yield out
    finally:
        if out.worker is not None:
            out.worker.stop()
        emulator.stop()
        HUEY.flush()


def emulator_log(live: LiveZalo) -> dict[str, Any]:
    return live.admin("GET", "messages", params={"limit": "0"})


def test_a_slow_provider_that_times_out_and_answers_garbage_ends_every_row_once_with_a_reason(
    personas, sender, tmp_path
):
    live = sender.live
    people = zalo_audience(live, personas.units["commune"], 60)
    # Slow (80 ms each), one call in ten held and dropped unanswered, one in six a 502 page of HTML.
    live.admin("POST", "faults", json={"latency_ms": 80, "timeout_rate": 0.1, "error_rate_5xx": 0.15})
    campaign = launch(personas, channels=["zalo"])
    sender.start_worker(tmp_path / "worker.log")
    sender.completed(campaign)

    rows = Delivery.objects.filter(campaign=campaign, channel="zalo")
    assert rows.count() == len(people)
    assert set(statuses(campaign)) <= TERMINAL
    assert not rows.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN], error_code="").exists()
    assert rows.filter(attempts__gt=1).exists(), "no call was retried: the faults did not bite"
    log = emulator_log(live)
    assert max(log["per_recipient"].values()) == 1, "somebody received the message twice"
    assert log["total"] == sent_count(campaign)
    assert_counts_match(campaign)
    health = Client().get("/healthz")
    assert health.status_code == 200, health.json()  # a bad provider is not our outage


def test_answers_lost_after_zalo_took_the_message_are_never_sent_again(personas, sender, tmp_path):
    live = sender.live
    people = zalo_audience(live, personas.units["commune"], 60)
    proxy = HostileProxy(live.url, lose=0.1, garbage=0.1).start()
    try:
        campaign = launch(personas, channels=["zalo"])
        sender.start_worker(tmp_path / "worker.log", api_url=proxy.url)
        sender.completed(campaign)
    finally:
        proxy.stop()
    spoiled = proxy.counts["lose"] + proxy.counts["garbage"]
    assert spoiled > 0, proxy.counts

    log = emulator_log(live)
    assert max(log["per_recipient"].values()) == 1, "somebody received the message twice"
    assert log["total"] == len(people)  # every send reached Zalo exactly once
    rows = Delivery.objects.filter(campaign=campaign, channel="zalo")
    assert set(statuses(campaign)) <= TERMINAL
    # What Zalo took without our hearing back is reported unknown, with the reason, never resent.
    unknown = rows.filter(status=DeliveryStatus.UNKNOWN)
    assert unknown.count() == spoiled
    assert not unknown.filter(error_code="").exists()
    assert sent_count(campaign) == len(people) - spoiled
    assert_counts_match(campaign)
