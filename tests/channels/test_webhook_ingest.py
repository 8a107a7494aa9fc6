"""What acknowledging a Zalo webhook costs: the event row and nothing else; the worker does the rest.

bench/webhook_ingest.py measures it under load; these tests pin the shape of the work so it stays
that way: one INSERT per event, new or repeated (no lookup, no second write), and the OA's account
linked and its "last webhook received" kept by the worker.
"""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from caunoi.channels.models import WebhookEvent, ZaloAccount
from caunoi.channels.zalo.emulator import config as defaults
from caunoi.channels.zalo.emulator.webhooks import signature
from caunoi.geo.models import Unit
from tests.conftest import ensure_units

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account(settings):
    settings.CAUNOI_ZALO_APP_ID = defaults.DEFAULT_APP_ID
    settings.CAUNOI_ZALO_OA_SECRET_KEY = defaults.DEFAULT_OA_SECRET_KEY
    settings.CAUNOI_ZALO_WEBHOOK_SIGNER = "oa"
    ensure_units()
    HUEY.flush()
    yield ZaloAccount.objects.create(
        unit=Unit.objects.get(code="08"), oa_id=defaults.DEFAULT_OA_ID, app_id=defaults.DEFAULT_APP_ID
    )
    HUEY.flush()


def post_event(client, msg_id: str, **headers: str):
    timestamp = str(int(time.time() * 1000))
    payload = {
        "app_id": defaults.DEFAULT_APP_ID,
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": "1234567890123456789"},
        "recipient": {"id": defaults.DEFAULT_OA_ID},
        "message": {"msg_id": msg_id, "text": "Cầu tràn thôn Nà Tấu bị ngập"},
    }
    raw = json.dumps(payload, ensure_ascii=False).encode()
    mac = signature(defaults.DEFAULT_APP_ID, raw, timestamp, defaults.DEFAULT_OA_SECRET_KEY)
    return client.post(
        "/webhooks/zalo",
        data=raw,
        content_type="application/json",
        headers={"X-ZEvent-Signature": mac, **headers},
    )


def run_worker() -> int:
    ran = 0
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        ran += 1
    return ran


def test_acknowledging_a_new_event_is_one_insert(account, client):
    with CaptureQueriesContext(connection) as queries:
        response = post_event(client, "m-1")

    assert response.status_code == 200 and response.json()["duplicate"] is False
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert HUEY.pending_count() == 1  # queued once the row was committed


def test_a_repeat_costs_one_insert_that_does_nothing_and_queues_nothing(account, client):
    post_event(client, "m-1")
    HUEY.flush()

    with CaptureQueriesContext(connection) as queries:
        response = post_event(client, "m-1", num_retry="1")

    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert WebhookEvent.objects.count() == 1
    assert HUEY.pending_count() == 0


def test_the_worker_links_the_account_and_keeps_its_last_webhook_time(account, client):
    post_event(client, "m-1")
    stored = WebhookEvent.objects.get()
    assert stored.account_id is None  # not looked up while Zalo waits for its 200

    assert run_worker() == 1

    stored.refresh_from_db()
    account.refresh_from_db()
    assert stored.account_id == account.pk and stored.error == ""
    assert account.last_webhook_at == stored.received_at


def test_events_for_an_oa_not_connected_are_held_until_it_is(settings, client):
    settings.CAUNOI_ZALO_APP_ID = defaults.DEFAULT_APP_ID
    settings.CAUNOI_ZALO_OA_SECRET_KEY = defaults.DEFAULT_OA_SECRET_KEY
    HUEY.flush()

    assert post_event(client, "m-1").status_code == 200
    run_worker()

    stored = WebhookEvent.objects.get()
    assert stored.account_id is None and stored.error  # kept, with the reason, for the replay on connect
    assert stored.oa_id == defaults.DEFAULT_OA_ID
    HUEY.flush()
