"""ZNS by phone against the real emulator: registry checks, refusals, quota and the delivery receipt."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from caunoi.channels.base import ChannelKind, ErrorClass, InboundKind, OutboundMessage, Recipient
from caunoi.channels.zalo import signature
from caunoi.channels.zalo.zns import ZnsChannel, ZnsClient, ZnsTemplate, parse_delivery_receipt
from tests.channels.zalo_support import FakeClock, admin, admin_token, running_emulator, running_receiver

APPOINTMENT = ZnsTemplate("410001", {"citizen_name": 30, "date": 20, "place": 80}, "contact", Decimal(300))
ALERT = ZnsTemplate("410003", {"area": 80, "hazard": 50, "instruction": 200}, "news", Decimal(440))
PARAMS = {"citizen_name": "Lò Thị Hoa", "date": "12/06/2026", "place": "UBND xã Minh Quang"}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emulator(clock):
    with running_emulator(clock, zns_admin_phones=("84900000001",)) as emulator:
        yield emulator


@pytest.fixture
def zns(emulator):
    with ZnsClient(admin_token(emulator), templates=[APPOINTMENT, ALERT], base_url=emulator.url) as client:
        yield client


def log(emulator) -> list[dict]:
    return admin(emulator, "GET", "messages")["messages"]


def test_a_template_goes_to_a_normalised_phone_with_its_price_and_the_quota_left(emulator, zns):
    sent = zns.send("0912 345 678", "410001", {**PARAMS, "unused": "x"}, tracking_id="delivery-1")
    assert sent.ok and sent.provider_message_id
    assert (sent.cost_vnd, sent.quota_remaining) == (Decimal(300), 499)
    [logged] = log(emulator)
    assert (logged["recipient"], logged["tracking_id"], logged["template_id"]) == (
        "84912345678",
        "delivery-1",
        "410001",
    )
    quota = zns.quota()
    assert (quota.daily, quota.remaining) == (500, 499)


def test_what_cannot_pass_is_refused_before_calling_zalo(emulator, zns):
    cases = [
        (zns.send("12345", "410001", PARAMS), "-108"),
        (zns.send("0912345678", "999999", PARAMS), "-109"),
        (zns.send("0912345678", "410001", {**PARAMS, "place": "  "}), "-1122"),
        (zns.send("0912345678", "410001", {**PARAMS, "citizen_name": "x" * 31}), "-1121"),
    ]
    for result, code in cases:
        assert result.error is not None
        assert (result.error.error_class, result.error.code) == (ErrorClass.PERMANENT, code)
        assert "refused before sending" in result.error.message
    assert log(emulator) == []
    with pytest.raises(ValueError, match="tracking_id"):
        zns.send("0912345678", "410001", PARAMS, tracking_id="đơn hàng #1")


def test_zalos_own_refusals_are_classified(emulator, zns):
    # A registry that disagrees with Zalo: Zalo has no such template, or a shorter limit.
    zns.templates["777"] = ZnsTemplate("777", {}, "news", Decimal(1))
    zns.templates["410001"] = dataclasses.replace(
        APPOINTMENT, params={**APPOINTMENT.params, "citizen_name": 60}
    )
    unknown = zns.send("0912345678", "777", {})
    too_long = zns.send("0912345678", "410001", {**PARAMS, "citizen_name": "x" * 40})
    not_admin = zns.send("0912345678", "410001", PARAMS, development=True)
    admin(emulator, "POST", "faults", json={"zns_quota": 0})
    no_quota = zns.send("0912345678", "410001", PARAMS)
    zns.access_token = "revoked"
    no_token = zns.send("0912345678", "410001", PARAMS)
    outcomes = [
        (r.error.error_class, r.error.code)
        for r in (unknown, too_long, not_admin, no_quota, no_token)
        if r.error
    ]
    assert outcomes == [
        (ErrorClass.PERMANENT, "-109"),
        (ErrorClass.PERMANENT, "-1121"),
        (ErrorClass.PERMANENT, "-127"),
        (ErrorClass.QUOTA, "-144"),
        (ErrorClass.REAUTH, "-124"),
    ]
    assert log(emulator) == []


def test_the_channel_checks_the_phone_and_sends_templates_only(emulator, zns):
    channel = ZnsChannel(zns)
    now = dt.datetime.now(dt.UTC)
    eligible = channel.eligibility(Recipient(phone="+84 912 345 678"), now=now)
    assert (eligible.eligible, eligible.cost_vnd) == (True, Decimal(440))  # the dearest template
    assert not channel.eligibility(Recipient(zalo_user_id="1"), now=now).eligible
    assert (
        not ZnsChannel(ZnsClient("t", templates=[]))
        .eligibility(Recipient(phone="0912345678"), now=now)
        .eligible
    )

    recipient = Recipient(phone="0912345678")
    alert = {"area": "Thôn Nà Mạ", "hazard": "sạt lở đất", "instruction": "Di chuyển đến nhà văn hoá thôn"}
    sent = channel.send(
        OutboundMessage(recipient, template_id="410003", template_params=alert, tracking_id="d-9")
    )
    assert sent.ok and sent.cost_vnd == Decimal(440)
    text_only = channel.send(OutboundMessage(recipient, text="Xin chào"))
    assert text_only.error is not None and text_only.error.code == "-109"
    assert [m["tracking_id"] for m in log(emulator)] == ["d-9"]


def test_the_delivery_receipt_carries_our_tracking_id(clock):
    with (
        running_receiver() as receiver,
        running_emulator(clock, webhook_url=receiver.url, zns_admin_phones=("84900000001",)) as emulator,
    ):
        with ZnsClient(admin_token(emulator), templates=[APPOINTMENT], base_url=emulator.url) as zns:
            sent = zns.send("0900000001", "410001", PARAMS, tracking_id="delivery-77", development=True)
        assert sent.ok and sent.cost_vnd == Decimal(0)  # development mode
        assert receiver.wait_for(1)
        config = emulator.config
    headers, body = receiver.requests[0]
    assert headers["X-ZEvent-Server"] == "ZNS"
    timestamp = json.loads(body)["timestamp"]
    now = dt.datetime.fromtimestamp(int(timestamp) / 1000, dt.UTC)
    verified = signature.verify(body, headers, app_id=config.app_id, secret=config.oa_secret_key, now=now)
    receipt = parse_delivery_receipt(verified.payload)
    assert (receipt.kind, receipt.channel) == (InboundKind.DELIVERED, ChannelKind.ZNS)
    assert (receipt.tracking_id, receipt.provider_message_id) == ("delivery-77", sent.provider_message_id)
    assert receipt.external_user_id == "84900000001"
    delivery_time = json.loads(body)["message"]["delivery_time"]
    assert receipt.occurred_at == dt.datetime.fromtimestamp(int(delivery_time) / 1000, dt.UTC)
    with pytest.raises(ValueError, match="not a ZNS delivery receipt"):
        parse_delivery_receipt({"event_name": "user_received_message", "message": {"msg_id": "1"}})
