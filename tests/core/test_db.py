"""``insert_once``: the one-statement idempotent insert the webhook and inbound-message paths use."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from caunoi.channels.models import WebhookEvent
from caunoi.core.db import insert_once

pytestmark = pytest.mark.django_db

FIELDS = ("channel", "oa_id", "dedupe_key", "event_name", "payload", "received_at", "attempts", "error")


def _event(key: str, text: str = "Cầu tràn bị ngập") -> WebhookEvent:
    return WebhookEvent(channel="zalo", dedupe_key=key, event_name="user_send_text", payload={"text": text})


def test_the_first_insert_keeps_the_row_and_a_repeat_does_nothing_in_one_statement():
    first = _event("k-1")
    with CaptureQueriesContext(connection) as queries:
        assert insert_once(first, fields=FIELDS, unique=("channel", "dedupe_key")) is True
    repeat = _event("k-1", text="another body")
    assert insert_once(repeat, fields=FIELDS, unique=("channel", "dedupe_key")) is False

    stored = WebhookEvent.objects.get()
    assert len(queries.captured_queries) == 1
    assert first.pk == stored.pk and repeat.pk is None
    assert stored.payload == {"text": "Cầu tràn bị ngập"} and stored.received_at is not None  # auto_now_add
    first.error = "kept"
    first.save(update_fields=["error"])  # the instance is a saved row: an UPDATE, not a second INSERT
    assert WebhookEvent.objects.get().error == "kept"


def test_a_repeat_inside_a_transaction_does_not_spoil_it():
    with transaction.atomic():
        insert_once(_event("k-1"), fields=FIELDS, unique=("channel", "dedupe_key"))
        insert_once(_event("k-1"), fields=FIELDS, unique=("channel", "dedupe_key"))
        insert_once(_event("k-2"), fields=FIELDS, unique=("channel", "dedupe_key"))  # still usable

    assert sorted(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == ["k-1", "k-2"]
