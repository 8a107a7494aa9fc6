"""The delivery engine against the Zalo emulator on a real port, sent by a real Huey worker process.

These are the faults of issue 4: a sender killed with SIGKILL mid-campaign, a provider failing one
call in five, a cancel while sending, and a used-up quota.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from caunoi.campaigns import engine, services, tasks
from caunoi.campaigns.models import Campaign, CampaignState, Delivery, DeliveryStatus
from caunoi.channels.base import ChannelKind
from caunoi.channels.models import ChannelIdentity, ZnsTemplateRecord
from caunoi.citizens.models import Citizen, Consent
from caunoi.core.phone import normalize_vn_phone
from tests.campaigns.helpers import approved_campaign, assert_counts_match, citizens_bulk
from tests.core.test_worker import CAUNOI, worker_env
from tests.zalo_live import LiveZalo

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TERMINAL = {
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.SEEN,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNKNOWN,
    DeliveryStatus.CANCELLED,
}


def wait(check: Callable[[], Any], what: str, log: Path, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout} s; worker log:\n{log.read_text(errors='replace')[-4000:]}")


class Worker:
    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log, self.env = log, env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [CAUNOI, "worker", "--workers", "2"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def worker(tmp_path: Path, zalo_live: LiveZalo, settings: Any) -> Iterator[Worker]:
    assert not HUEY.immediate
    HUEY.flush()
    env = {
        **worker_env(),
        "CAUNOI_ZALO_APP_ID": settings.CAUNOI_ZALO_APP_ID,
        "CAUNOI_ZALO_APP_SECRET": settings.CAUNOI_ZALO_APP_SECRET,
        "CAUNOI_ZALO_OAUTH_URL": zalo_live.url,
        "CAUNOI_ZALO_API_URL": zalo_live.url,
        "CAUNOI_ZALO_ZNS_URL": zalo_live.url,
        "CAUNOI_CAMPAIGN_RETRY_BASE_SECONDS": "0.05",
        "CAUNOI_CAMPAIGN_RATE_ZALO": "80",
        "CAUNOI_CAMPAIGN_RATE_ZNS": "80",
        "CAUNOI_CAMPAIGN_BATCH": "20",
    }
    w = Worker(tmp_path / "worker.log", env)
    try:
        yield w
    finally:
        w.stop()
        HUEY.flush()


def zalo_audience(live: LiveZalo, unit: Any, count: int) -> list[Citizen]:
    """``count`` followers who wrote to the OA just now, as citizens of ``unit`` who consented to news."""
    people = citizens_bulk(unit, count)
    user_ids = [
        live.admin("POST", "followers", json={"last_interaction_hours_ago": 0})["user_id"] for _ in people
    ]
    now = timezone.now()
    ChannelIdentity.objects.bulk_create(
        [
            ChannelIdentity(
                citizen=c,
                channel=ChannelKind.ZALO,
                account=live.account,
                external_id=uid,
                follows=True,
                last_interaction_at=now,
            )
            for c, uid in zip(people, user_ids, strict=True)
        ]
    )
    return people


def launch(personas: Any, **kwargs: Any) -> Campaign:
    u = personas.units
    campaign = approved_campaign(
        personas.editor, personas.approver, unit=u["province"], targets=[u["commune"]], **kwargs
    )
    return services.campaign_launch(campaign=campaign, actor=personas.editor)


def statuses(campaign: Campaign) -> dict[str, int]:
    rows = Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)
    out: dict[str, int] = {}
    for s in rows:
        out[s] = out.get(s, 0) + 1
    return out


def sent_count(campaign: Campaign) -> int:
    return Delivery.objects.filter(
        campaign=campaign, status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.SEEN]
    ).count()


def emulator_log(live: LiveZalo) -> dict[str, Any]:
    return live.admin("GET", "messages", params={"limit": "0"})


def test_kill9_mid_campaign_then_restart_nobody_twice_and_counts_add_up(personas, zalo_live, worker):
    people = zalo_audience(zalo_live, personas.units["commune"], 150)
    zalo_live.admin("POST", "faults", json={"latency_ms": 15})
    campaign = launch(personas, channels=["zalo"])
    worker.start()
    wait(lambda: sent_count(campaign) >= 30, "some messages sent", worker.log)
    worker.kill9()
    assert sent_count(campaign) < len(people), "the worker finished before it could be killed"

    # What the tick does a lease later; the worker is dead, so its rows are stale now.
    recovered = engine.deliveries_recover(older_than=dt.timedelta(0))
    assert recovered["resent"] == 0  # an announcement is at most once
    assert_counts_match(campaign)  # the dead worker's claims and the recovery both moved the counts
    worker.start()
    tasks.senders_start(Campaign.objects.get(pk=campaign.pk))
    wait(
        lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED,
        "the campaign completed after the restart",
        worker.log,
    )
    counts = statuses(campaign)
    assert set(counts) <= TERMINAL
    assert sum(counts.values()) == len(people) + 1  # + the persona's citizen, reachable on no channel
    log = emulator_log(zalo_live)
    assert max(log["per_recipient"].values()) == 1, "somebody received the message twice"
    handed = sent_count(campaign)
    unknown = counts.get(DeliveryStatus.UNKNOWN, 0)
    assert handed <= log["total"] <= handed + unknown
    assert handed + unknown == len(people)
    assert recovered["unknown"] == unknown


def test_a_provider_failing_one_call_in_five_ends_with_every_row_sent_or_failed_with_a_reason(
    personas, zalo_live, worker
):
    people = zalo_audience(zalo_live, personas.units["commune"], 80)
    zalo_live.admin("POST", "faults", json={"error_rate_5xx": 0.2})
    campaign = launch(personas, channels=["zalo"])
    worker.start()
    wait(
        lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED,
        f"the campaign completed (now {statuses(campaign)})",
        worker.log,
    )
    rows = Delivery.objects.filter(campaign=campaign, channel=ChannelKind.ZALO)
    assert rows.count() == len(people)
    assert set(rows.values_list("status", flat=True)) <= {
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.SEEN,
        DeliveryStatus.FAILED,
    }
    assert not rows.filter(status=DeliveryStatus.FAILED, error_code="").exists()
    assert rows.filter(attempts__gt=1).exists(), "no call was retried: the fault did not bite"
    log = emulator_log(zalo_live)
    assert max(log["per_recipient"].values()) == 1
    assert log["total"] == sent_count(campaign)

    # The emulator reports every message seen; the webhooks update SentMessage, the tick the rows.
    def all_seen() -> bool:
        engine.receipts_sync(campaign=campaign)
        return rows.filter(status=DeliveryStatus.SEEN).count() == log["total"]

    wait(all_seen, "the seen reports reached the deliveries", worker.log)
    assert_counts_match(campaign)


def test_nothing_leaves_after_a_cancel_is_acknowledged(personas, zalo_live, worker):
    zalo_audience(zalo_live, personas.units["commune"], 120)
    zalo_live.admin("POST", "faults", json={"latency_ms": 20})
    campaign = launch(personas, channels=["zalo"])
    worker.start()
    wait(lambda: sent_count(campaign) >= 10, "some messages sent", worker.log)
    services.campaign_cancel(campaign=Campaign.objects.get(pk=campaign.pk), actor=personas.editor)
    at_ack = emulator_log(zalo_live)["total"]
    time.sleep(2.0)
    assert emulator_log(zalo_live)["total"] == at_ack
    counts = statuses(campaign)
    assert counts.get(DeliveryStatus.CANCELLED, 0) > 0
    assert DeliveryStatus.SENDING not in counts and DeliveryStatus.QUEUED not in counts
    assert sent_count(campaign) == at_ack
    assert_counts_match(campaign)


def test_a_used_up_quota_pauses_the_channel_and_says_why(personas, zalo_live, worker):
    ZnsTemplateRecord.objects.create(
        account=zalo_live.account,
        template_id="410003",
        name="Cảnh báo thiên tai",
        params={"area": 80, "hazard": 50, "instruction": 200},
        price_vnd=440,
        purpose="news",
        synced_at=timezone.now(),
    )
    citizens_bulk(personas.units["commune"], 12)
    zalo_live.admin("POST", "faults", json={"zns_quota": 5})
    campaign = launch(
        personas,
        channels=["zns"],
        zns_template_id="410003",
        zns_params={"area": "Phường Hà Giang 1", "hazard": "mưa lớn", "instruction": "Theo dõi loa phường"},
    )
    worker.start()

    def paused() -> bool:
        return "zns" in Campaign.objects.get(pk=campaign.pk).channel_pauses

    wait(paused, "the ZNS channel paused", worker.log)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENDING
    assert "quota" in campaign.channel_pauses["zns"]
    time.sleep(0.5)
    assert sent_count(campaign) == 5
    audience = Delivery.objects.filter(campaign=campaign).count()  # 12 + the persona's citizen
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.QUEUED).count() == audience - 5
    assert_counts_match(campaign)  # rows handed back to the queue by the pause moved the counts back
    # Resuming lifts the pause; the quota is still empty, so the channel pauses again, nothing is lost.
    services.campaign_resume(campaign=campaign, actor=personas.editor)
    wait(paused, "the ZNS channel paused again", worker.log)
    assert sent_count(campaign) == 5


def test_zns_values_are_each_residents_own_and_a_withdrawn_consent_is_skipped(personas, zalo_live, worker):
    ZnsTemplateRecord.objects.create(
        account=zalo_live.account,
        template_id="410001",
        name="Lịch tiếp công dân",
        params={"citizen_name": 30, "date": 20, "place": 80},
        price_vnd=300,
        purpose="news",
        synced_at=timezone.now(),
    )
    people = citizens_bulk(personas.units["commune"], 7)
    long_name, no_name, withdrew = people[:3]
    Citizen.objects.filter(pk=long_name.pk).update(display_name="Bà Nguyễn Thị Hoàng Lan Phương Anh Thảo")
    Citizen.objects.filter(pk=no_name.pk).update(display_name="")
    campaign = launch(
        personas,
        channels=["zns"],
        zns_template_id="410001",
        zns_params={"citizen_name": "{name}", "date": "Thứ Hai 1/12", "place": "UBND {commune}"},
    )
    services.campaign_start(campaign=Campaign.objects.get(pk=campaign.pk))  # the outbox, filled now
    # Between the launch and the send, one resident withdraws the consent the template's purpose needs.
    Consent.objects.filter(citizen=withdrew).update(withdrawn_at=timezone.now())
    worker.start()
    wait(
        lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED,
        f"the campaign completed (now {statuses(campaign)})",
        worker.log,
    )
    rows = {d.citizen_id: d for d in Delivery.objects.filter(campaign=campaign)}
    ended = {p.pk: (rows[p.pk].status, rows[p.pk].error_code) for p in (long_name, no_name, withdrew)}
    assert ended == {
        long_name.pk: (DeliveryStatus.FAILED, "-1121"),  # their own name is over the template's 30
        no_name.pk: (DeliveryStatus.FAILED, "-1122"),  # no name to fill in
        withdrew.pk: (DeliveryStatus.FAILED, "no_consent"),
    }
    log = emulator_log(zalo_live)
    handed = {pk for pk, d in rows.items() if d.status in TERMINAL - {DeliveryStatus.FAILED}}
    assert {p.pk for p in people[3:]} <= handed  # (with the persona's own citizen of the commune)
    phones = Citizen.objects.filter(pk__in=handed).values_list("phone", flat=True)
    assert set(log["per_recipient"]) == {normalize_vn_phone(phone) for phone in phones}
    assert max(log["per_recipient"].values()) == 1
    assert_counts_match(campaign)
