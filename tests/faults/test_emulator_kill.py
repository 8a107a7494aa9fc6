"""kill -9 of the Zalo emulator (a process of its own) in the middle of a ZNS campaign, then a restart.

The worker is not touched: it must ride out the outage by itself (refused connections are retried, calls
cut off mid-way are reported unknown) and finish once Zalo is back. Nobody may receive the alert twice,
every row must end in one terminal state, and the counts must add up. (A kill -9 of the *worker*
mid-campaign is ``tests/campaigns/test_engine_live.py::test_kill9_mid_campaign_…``.)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from caunoi.campaigns.models import Campaign, CampaignState, Delivery, DeliveryStatus
from caunoi.channels.models import ZaloAccount, ZnsTemplateRecord
from caunoi.core.crypto import decrypt
from caunoi.core.phone import normalize_vn_phone
from caunoi.geo.models import Unit
from tests.campaigns.helpers import assert_counts_match, citizens_bulk
from tests.campaigns.test_engine_live import TERMINAL, launch, statuses
from tests.core.test_worker import worker_env
from tests.faults import procs
from tests.faults.conftest import use_zalo, zalo_env
from tests.zalo_live import connect_account

pytestmark = [pytest.mark.fault, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
HANDED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.SEEN)


def emulator(port: int, log: Path, tokens: tuple[str, str] | None = None) -> procs.Proc:
    argv = [sys.executable, "-m", "tests.faults.emulator_proc", str(port), *(tokens or ())]
    return procs.Proc("emulator", argv, {**os.environ, "PYTHONPATH": str(ROOT)}, log)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_admin/state", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def log_of(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/_admin/messages", params={"limit": "0"}, timeout=10).json()


def handed_phones(campaign: Any) -> set[str]:
    rows = Delivery.objects.filter(campaign=campaign, status__in=HANDED).select_related("citizen")
    return {normalize_vn_phone(d.citizen.phone) for d in rows}


def test_kill9_of_the_emulator_mid_campaign_recovers_by_itself_and_sends_nobody_twice(
    personas, settings, tmp_path
):
    assert not HUEY.immediate
    HUEY.flush()
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}"
    zalo = emulator(port, tmp_path / "emulator.log").start()
    worker = None
    try:
        procs.wait(lambda: answers(url), "the emulator answers", procs=(zalo,))
        use_zalo(settings, url)
        account = connect_account(url, Unit.objects.get(code="08"))
        ZnsTemplateRecord.objects.create(
            account=account,
            template_id="410003",
            name="Cảnh báo thiên tai",
            params={"area": 80, "hazard": 50, "instruction": 200},
            price_vnd=440,
            purpose="news",
            synced_at=timezone.now(),
        )
        people = citizens_bulk(personas.units["commune"], 150)
        httpx.post(f"{url}/_admin/faults", json={"latency_ms": 15}, timeout=5).raise_for_status()
        campaign = launch(
            personas,
            channels=["zns"],
            zns_template_id="410003",
            zns_params={
                "area": "Phường Hà Giang 1",
                "hazard": "lũ quét",
                "instruction": "Lên nhà văn hoá thôn",
            },
        )
        env = {
            **worker_env(),
            **zalo_env(url),
            "CAUNOI_CAMPAIGN_RETRY_BASE_SECONDS": "0.2",
            "CAUNOI_CAMPAIGN_RATE_ZNS": "80",
            "CAUNOI_CAMPAIGN_BATCH": "20",
        }
        worker = procs.worker(env, tmp_path / "worker.log").start()
        procs.wait(lambda: len(handed_phones(campaign)) >= 30, "some alerts sent", procs=(worker, zalo))

        before = log_of(url)
        zalo.kill9()
        at_kill = handed_phones(campaign)
        assert len(at_kill) < len(people), "the campaign finished before Zalo could be killed"
        time.sleep(1.5)  # the worker meets refused connections meanwhile
        stored = ZaloAccount.objects.get(pk=account.pk)
        tokens = (decrypt(stored.access_token_encrypted), decrypt(stored.refresh_token_encrypted))
        restarted_at = timezone.now()
        zalo = emulator(port, tmp_path / "emulator.log", tokens).start()
        procs.wait(lambda: answers(url), "the emulator answers again", procs=(zalo,))

        procs.wait(
            lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED,
            f"the campaign completed by itself (now {statuses(campaign)})",
            procs=(worker, zalo),
            timeout=60,
        )
        after = log_of(url)
        counts = statuses(campaign)
        assert set(counts) <= TERMINAL, counts
        assert sum(counts.values()) == len(people) + 1  # + the persona's citizen, who has a phone too
        assert after["total"] > 0, "nothing was sent after the restart"
        # Nobody twice: not within a life of Zalo, and not again after the restart.
        assert max(before["per_recipient"].values()) == 1
        assert max(after["per_recipient"].values()) == 1
        assert not set(after["per_recipient"]) & (set(before["per_recipient"]) | at_kill)
        # What the second Zalo holds is exactly what was recorded sent after the restart.
        rows = Delivery.objects.filter(campaign=campaign)
        assert rows.filter(status__in=HANDED, sent_at__gte=restarted_at).count() == after["total"]
        # Every row that did not reach anyone says why.
        assert not rows.filter(
            status__in=[DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN], error_code=""
        ).exists()
        assert_counts_match(campaign)
    finally:
        if worker is not None:
            worker.stop()
        zalo.stop()
        HUEY.flush()
