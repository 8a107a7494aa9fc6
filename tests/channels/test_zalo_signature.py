"""Webhook signatures on real deliveries from the emulator: good, bad, stale, missing, malformed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from caunoi.channels.zalo import signature
from caunoi.channels.zalo.emulator import EmulatorConfig
from caunoi.channels.zalo.events import from_epoch_ms
from tests.channels.zalo_support import FakeClock, admin, running_emulator, running_receiver


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def receiver():
    with running_receiver() as receiver:
        yield receiver


def delivery(clock, receiver, **settings) -> tuple[dict[str, str], bytes, EmulatorConfig]:
    """One citizen message as the emulator delivers it: headers and raw body, plus the config."""
    with running_emulator(clock, webhook_url=receiver.url, **settings) as emulator:
        admin(
            emulator, "POST", "events", json={"event": "user_send_text", "text": "Đường vào thôn bị sạt lở"}
        )
        assert receiver.wait_for(1)
        headers, body = receiver.requests[0]
        return headers, body, emulator.config


def now_of(body: bytes) -> dt.datetime:
    sent = from_epoch_ms(json.loads(body)["timestamp"])
    assert sent is not None
    return sent + dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("signed_with", "prefix"),
    [("oa_secret_key", "app_id"), ("app_secret", "app_id"), ("oa_secret_key", "oa_id")],
)
def test_a_real_delivery_verifies_with_the_configured_secret_and_id(clock, receiver, signed_with, prefix):
    headers, body, config = delivery(
        clock, receiver, webhook_signed_with=signed_with, signature_prefix=prefix
    )
    secret = config.oa_secret_key if signed_with == "oa_secret_key" else config.app_secret
    verified = signature.verify(
        body, headers, app_id=config.app_id, oa_id=config.oa_id, secret=secret, now=now_of(body)
    )
    assert verified.signed_with == prefix
    assert verified.payload["message"]["text"] == "Đường vào thôn bị sạt lở"
    assert verified.num_retry == 0
    assert verified.timestamp == now_of(body) - dt.timedelta(seconds=1)
    other = config.app_secret if secret == config.oa_secret_key else config.oa_secret_key
    with pytest.raises(signature.BadSignature):
        signature.verify(
            body, headers, app_id=config.app_id, oa_id=config.oa_id, secret=other, now=now_of(body)
        )


def test_an_oa_id_signature_is_refused_unless_the_oa_id_is_given(clock, receiver):
    headers, body, config = delivery(clock, receiver, signature_prefix="oa_id")
    with pytest.raises(signature.BadSignature):
        signature.verify(body, headers, app_id=config.app_id, secret=config.oa_secret_key, now=now_of(body))


def test_a_changed_body_or_signature_is_refused(clock, receiver):
    headers, body, config = delivery(clock, receiver)
    options: dict[str, Any] = {"app_id": config.app_id, "secret": config.oa_secret_key, "now": now_of(body)}
    tampered = body.replace("sạt lở".encode(), "ngập úng".encode())
    with pytest.raises(signature.BadSignature):
        signature.verify(tampered, headers, **options)
    respaced = json.dumps(json.loads(body)).encode()  # same JSON, other bytes
    with pytest.raises(signature.BadSignature):
        signature.verify(respaced, headers, **options)
    mac = headers["X-ZEvent-Signature"]
    with pytest.raises(signature.BadSignature):
        # one hex digit changed (to a different one: a MAC ending in "0" must not stay the same)
        signature.verify(body, {"X-ZEvent-Signature": mac[:-1] + ("1" if mac[-1] == "0" else "0")}, **options)
    with pytest.raises(signature.BadSignature):
        signature.verify(body, {"X-ZEvent-Signature": "mac=đ" + mac[5:]}, **options)
    # Without the prefix, upper case, any header case: the same signature
    bare = {"x-zevent-signature": mac.removeprefix("mac=").upper()}
    assert signature.verify(body, bare, **options).signed_with == "app_id"


def test_a_stale_or_future_timestamp_is_refused(clock, receiver):
    headers, body, config = delivery(clock, receiver)
    sent = now_of(body) - dt.timedelta(seconds=1)
    options: dict[str, Any] = {"app_id": config.app_id, "secret": config.oa_secret_key}
    assert signature.verify(body, headers, now=sent + dt.timedelta(hours=2), **options)  # Zalo's last retry
    for now in (sent + dt.timedelta(hours=3, seconds=1), sent - dt.timedelta(hours=3, seconds=1)):
        with pytest.raises(signature.StaleTimestamp):
            signature.verify(body, headers, now=now, **options)
    with pytest.raises(signature.StaleTimestamp):
        signature.verify(body, headers, now=sent + dt.timedelta(seconds=301), max_age_seconds=300, **options)


def test_a_missing_header_or_malformed_body_is_its_own_error(clock, receiver):
    headers, body, config = delivery(clock, receiver)
    options: dict[str, Any] = {"app_id": config.app_id, "secret": config.oa_secret_key, "now": now_of(body)}
    with pytest.raises(signature.MissingSignature):
        signature.verify(body, {"Content-Type": "application/json"}, **options)
    with pytest.raises(signature.MissingSignature):
        signature.verify(body, {"X-ZEvent-Signature": "  "}, **options)
    for malformed in (
        b"{not json",
        b"[1, 2]",
        b'{"event_name": "follow"}',
        b'{"timestamp": "soon"}',
        b"\xff",
    ):
        with pytest.raises(signature.MalformedPayload):
            signature.verify(malformed, headers, **options)
    assert issubclass(signature.MalformedPayload, signature.SignatureError)
    with pytest.raises(ValueError):
        signature.verify(body, headers, app_id=config.app_id, secret="", now=now_of(body))


def test_a_retry_carries_the_same_bytes_and_its_retry_number(clock, receiver):
    receiver.status = 500
    with running_emulator(clock, webhook_url=receiver.url) as emulator:
        admin(emulator, "POST", "events", json={"event": "follow"})
        assert receiver.wait_for(2)
        receiver.status = 200
        config = emulator.config
    (first_headers, first), (retry_headers, again) = receiver.requests[:2]
    assert first == again
    options: dict[str, Any] = {"app_id": config.app_id, "secret": config.oa_secret_key, "now": now_of(first)}
    assert signature.verify(first, first_headers, **options).num_retry == 0
    assert signature.verify(again, retry_headers, **options).num_retry == 1
