"""Parts of the engine that carry its speed: tokens leased from the shared bucket, and the counts the
progress bar reads instead of counting the deliveries."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caunoi.campaigns import counts, engine, selectors, services
from caunoi.campaigns.models import Campaign, Delivery, DeliveryCount, DeliveryStatus
from caunoi.citizens.models import Consent
from caunoi.core.models import RateLimitBucket
from tests.campaigns.helpers import approved_campaign, assert_counts_match, citizens_bulk

pytestmark = pytest.mark.django_db


def test_tokens_are_leased_half_a_bucket_at_a_time_and_spent_locally(settings):
    settings.CAUNOI_CAMPAIGN_RATE_EMAIL = 200  # a bucket of 40, leased 20 at a time
    held: dict[tuple[str, str], int] = {}
    stop_at = time.monotonic() + 5
    with CaptureQueriesContext(connection) as queries:
        for _ in range(4):
            assert engine._take("email", "lease-test", 5, stop_at, held)
    buckets = [q for q in queries.captured_queries if "core_ratelimitbucket" in q["sql"]]
    bucket = RateLimitBucket.objects.get(key="lease-test")
    # Twenty messages, one lease: the bucket was touched once (read and written), not four times.
    assert len([q for q in buckets if q["sql"].lstrip().upper().startswith("SELECT")]) == 1
    assert held[("email", "lease-test")] == 0
    assert bucket.tokens <= 20 + 1  # 40 - 20, plus what refilled in the meantime
    assert engine._take("email", "lease-test", 25, stop_at, held)  # two more leases
    assert held[("email", "lease-test")] == 15


def started(personas: Any, people: int) -> Campaign:
    """An SMS announcement to ``people`` residents of the commune (and the persona's), outbox filled."""
    u = personas.units
    citizens_bulk(u["commune"], people)
    campaign = approved_campaign(
        personas.editor, personas.approver, unit=u["province"], targets=[u["commune"]]
    )
    campaign = services.campaign_launch(campaign=campaign, actor=personas.editor)
    services.campaign_start(campaign=campaign)
    return campaign


def test_counts_shift_across_slots_and_sum_to_the_table(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    campaign = started(personas, 30)
    assert_counts_match(campaign)
    first = engine.claim(campaign, limit=10, slot=3)
    second = engine.claim(campaign, limit=5, slot=7)
    assert len(first) == 10 and len(second) == 5
    assert_counts_match(campaign)
    engine._release(Delivery.objects.filter(pk__in=second), "paused", slot=7)
    assert_counts_match(campaign)
    slots = set(DeliveryCount.objects.filter(campaign=campaign).values_list("slot", flat=True))
    assert {0, 3, 7} <= slots  # the insert's count, then one row set per sender
    services.campaign_cancel(campaign=campaign, actor=personas.editor)
    assert_counts_match(campaign)
    engine.deliveries_recover(older_than=dt.timedelta(0))  # the ten still held: unknown
    assert_counts_match(campaign)
    assert counts.in_status(campaign, "unknown") == 10


def test_the_progress_bar_reads_the_counts_not_the_deliveries(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    campaign = started(personas, 40)
    engine.claim(campaign, limit=12)
    with CaptureQueriesContext(connection) as queries:
        progress = selectors.campaign_progress(campaign)
    assert not [q for q in queries.captured_queries if '"campaigns_delivery"' in q["sql"]]
    sms = next(p for p in progress.channels if p.channel == "sms")
    assert progress.total == 41 and sms.pending == 41  # 12 sending + 29 queued (+ the persona's citizen)


def test_a_resident_who_withdrew_consent_after_the_launch_is_not_sent_to(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    campaign = started(personas, 5)
    rows = list(Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.QUEUED).order_by("id"))
    withdrew = rows[0].citizen_id
    Consent.objects.filter(citizen_id=withdrew).update(withdrawn_at=timezone.now())
    ids = engine.claim(campaign, limit=len(rows))
    # The gateway at 127.0.0.1:9 refuses connections: the others fail transiently and wait to retry.
    engine.send_batch(campaign, ids, stop_at=time.monotonic() + 10)
    ended = {d.citizen_id: (d.status, d.error_code) for d in Delivery.objects.filter(campaign=campaign)}
    assert ended[withdrew] == (DeliveryStatus.FAILED, "no_consent")
    assert all(code != "no_consent" for pk, (_, code) in ended.items() if pk != withdrew)
    assert_counts_match(campaign)
