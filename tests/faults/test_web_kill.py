"""kill -9 of the web server (gunicorn under ``caunoi serve``) while Zalo's webhooks arrive.

Zalo retries what was not answered 200 (the emulator on Zalo's schedule, sped up). Whatever was answered
200 must be stored once and processed once; what the crash cut off comes back and ends stored once too.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from huey.contrib.djhuey import HUEY

from caunoi.channels.models import InboundMessage, WebhookEvent
from caunoi.channels.selectors import webhook_events_stuck
from caunoi.channels.services import webhook_event_process
from tests.faults import procs
from tests.faults.conftest import WebhookRig

pytestmark = [pytest.mark.fault, pytest.mark.worker]

EVENTS = 240


def test_kill9_of_the_web_server_loses_no_acknowledged_webhook_and_stores_each_once(
    webhook_rig: WebhookRig, tmp_path
):
    rig = webhook_rig
    env = rig.env()
    web = procs.web(rig.web_port, env, tmp_path / "web.log")
    worker = procs.worker(env, tmp_path / "worker.log")
    try:
        web.start()
        worker.start()
        procs.wait(lambda: procs.green(rig.web_url), "/healthz green", procs=(web, worker))

        rig.drive(EVENTS, rate_per_second=60)
        procs.wait(lambda: WebhookEvent.objects.count() >= 60, "webhooks stored", procs=(web, worker))
        web.kill9()
        at_kill = WebhookEvent.objects.count()
        assert at_kill < EVENTS, "the burst was over before the crash"
        assert procs.health(rig.web_url) is None  # nothing answers: a monitor sees the outage as it is
        time.sleep(1.0)  # Zalo keeps sending meanwhile; each refused delivery waits for its retry
        web.start()
        procs.wait(lambda: procs.green(rig.web_url), "/healthz green again", procs=(web,))

        procs.wait(lambda: rig.settled(EVENTS), "Zalo's retries settled", procs=(web, worker), timeout=60)
        stats = rig.webhook_stats()
        counts = stats["counts"]
        assert counts.get("failed_attempts", 0) > 0, "no delivery failed: the crash did not bite"
        assert counts.get("dropped", 0) == 0 and stats["enabled"], stats
        assert counts["delivered"] == EVENTS  # each event answered 200 exactly once in the end

        # Acknowledged means stored: every event is there, once (the unique key), none beyond.
        assert WebhookEvent.objects.count() == EVENTS

        # Processed by the worker; an event whose task died with the web server (stored, not yet
        # queued) is what the five-minute sweep (webhook_events_requeue) picks up: run it now.
        procs.wait(lambda: HUEY.pending_count() == 0, "the worker emptied the queue", procs=(worker,))
        swept = webhook_events_stuck(older_than=dt.timedelta(0))
        for event in WebhookEvent.objects.filter(pk__in=swept):
            webhook_event_process(stored=event)
        assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
        assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}  # applied once each
        assert not WebhookEvent.objects.exclude(error="").exists()
        assert InboundMessage.objects.count() == EVENTS  # each message reached the inbox once
        status, body = procs.health(rig.web_url) or (0, {})
        assert status == 200 and body["status"] == "ok", body
    finally:
        web.stop()
        worker.stop()
