"""Webhook events as the emulator sends them and as research §9.5 documents them, parsed; and fuzzed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caunoi.channels.base import ChannelKind, InboundEvent, InboundKind
from caunoi.channels.zalo.client import ZaloClient
from caunoi.channels.zalo.events import opens_window, parse_event, seen_message_ids
from tests.channels.zalo_support import (
    FakeClock,
    add_follower,
    admin,
    admin_token,
    running_emulator,
    running_receiver,
)

CITIZEN_EVENTS = [
    "follow",
    "user_send_text",
    "user_send_image",
    "user_send_file",
    "user_send_location",
    "user_send_sticker",
    "user_send_link",
    "user_submit_info",
    "user_click_chatnow",
    "unfollow",
]


@pytest.fixture(scope="module")
def delivered() -> dict[str, dict]:
    """One real delivery of every event the emulator can send, by event name."""
    with (
        running_receiver() as receiver,
        running_emulator(FakeClock(), webhook_url=receiver.url, seen_share=1.0) as emulator,
    ):
        user = add_follower(emulator, 1, is_follower=False)
        for name in CITIZEN_EVENTS:
            admin(emulator, "POST", "events", json={"event": name, "user_id": user})
        with ZaloClient(admin_token(emulator), base_url=emulator.url) as client:
            assert client.send_text(user, "Xã đã nhận phản ánh").ok
        assert receiver.wait_for(len(CITIZEN_EVENTS) + 3)
        assert emulator.state.webhooks.wait_idle(5)
        bodies = [json.loads(body) for _, body in receiver.requests]
    by_name = {body["event_name"]: body for body in bodies}
    by_name["user"] = {"id": user}
    return by_name


def test_citizen_messages_become_messages_with_text_and_attachments(delivered):
    user = delivered["user"]["id"]
    text = parse_event(delivered["user_send_text"])
    assert (text.kind, text.channel, text.external_user_id, text.message_type) == (
        InboundKind.MESSAGE,
        ChannelKind.ZALO,
        user,
        "text",
    )
    assert text.text and text.provider_message_id == delivered["user_send_text"]["message"]["msg_id"]
    assert text.external_event_id == f"user_send_text:{text.provider_message_id}"
    assert text.occurred_at is not None and text.occurred_at.tzinfo is dt.UTC

    image = parse_event(delivered["user_send_image"])
    assert image.message_type == "image" and image.text  # the caption
    assert image.attachments[0]["type"] == "image" and image.attachments[0]["url"].startswith("http")
    [file] = parse_event(delivered["user_send_file"]).attachments
    assert file["type"] == "file" and file["name"] and isinstance(file["size"], int)
    assert len(file["checksum"]) == 32 and file["file_type"] in ("pdf", "docx", "doc", "csv", "jpg", "png")
    [place] = parse_event(delivered["user_send_location"]).attachments
    assert 21 < place["latitude"] < 23.5 and 104 < place["longitude"] < 106
    [sticker] = parse_event(delivered["user_send_sticker"]).attachments
    assert sticker["id"].isdigit() and sticker["url"]
    [link] = parse_event(delivered["user_send_link"]).attachments
    assert link["description"] and link["thumbnail"] and link["url"]
    for name in (
        "user_send_image",
        "user_send_file",
        "user_send_location",
        "user_send_sticker",
        "user_send_link",
    ):
        event = parse_event(delivered[name])
        assert (event.kind, event.external_user_id) == (InboundKind.MESSAGE, user)
        assert opens_window(event)


def test_follow_unfollow_chatnow_and_submitted_info(delivered):
    user = delivered["user"]["id"]
    follow, unfollow = parse_event(delivered["follow"]), parse_event(delivered["unfollow"])
    assert (follow.kind, follow.external_user_id) == (InboundKind.FOLLOW, user)
    assert (unfollow.kind, unfollow.external_user_id) == (InboundKind.UNFOLLOW, user)
    assert follow.external_user_id != delivered["follow"]["user_id_by_app"]  # the OA-scoped id, not the App's
    assert opens_window(follow) and not opens_window(unfollow)
    assert (
        follow.external_event_id.startswith("follow:")
        and follow.external_event_id != unfollow.external_event_id
    )

    chatnow = parse_event(delivered["user_click_chatnow"])
    assert (chatnow.kind, chatnow.external_user_id) == (InboundKind.OTHER, user)
    assert opens_window(chatnow)

    info = parse_event(delivered["user_submit_info"])
    assert (info.kind, info.external_user_id) == (InboundKind.SUBMIT_INFO, user)
    assert info.contact["phone"].startswith("84") and info.contact["name"]
    assert info.contact["gender"] in ("Nam", "Nữ") and info.contact["city"] and info.contact["address"]
    assert dt.datetime.strptime(info.contact["dob"], "%d/%m/%Y")


def test_an_oa_send_comes_back_as_echo_delivered_and_seen_with_distinct_ids(delivered):
    user = delivered["user"]["id"]
    echo, received, seen = (
        parse_event(delivered[name])
        for name in ("oa_send_text", "user_received_message", "user_seen_message")
    )
    assert (echo.kind, echo.external_user_id, echo.text) == (InboundKind.OTHER, user, "Xã đã nhận phản ánh")
    assert (received.kind, received.channel, received.external_user_id) == (
        InboundKind.DELIVERED,
        ChannelKind.ZALO,
        user,
    )
    assert (seen.kind, seen.external_user_id) == (InboundKind.SEEN, user)
    msg_id = echo.provider_message_id
    assert received.provider_message_id == seen.provider_message_id == msg_id
    assert seen_message_ids(seen) == (msg_id,)
    assert len({echo.external_event_id, received.external_event_id, seen.external_event_id}) == 3
    assert not opens_window(echo) and not opens_window(received)


# Research §9.5 samples written by hand -----------------------------------------------------------------

APP, OA, USER = "360846524940903967", "388613280878808645", "246845883529197922"


def user_event(name: str, message: dict, **extra) -> dict:
    return {
        "app_id": APP,
        "user_id_by_app": "552177279717587730",
        "event_name": name,
        "timestamp": "1543908534740",
        "sender": {"id": USER},
        "recipient": {"id": OA},
        "message": message,
        **extra,
    }


def test_the_documented_samples():
    text = parse_event(user_event("user_send_text", {"text": "message", "msg_id": "96d3cdf3af150460909"}))
    assert (text.kind, text.external_user_id, text.text) == (InboundKind.MESSAGE, USER, "message")
    assert text.occurred_at == dt.datetime(2018, 12, 4, 7, 28, 54, 740000, tzinfo=dt.UTC)

    follow = parse_event(
        {
            "oa_id": "388613280879808645",
            "follower": {"id": "24684588352919792"},
            "user_id_by_app": "552172779717587730",
            "event_name": "follow",
            "source": "oa_profile",
            "app_id": "36084652489903967",
            "timestamp": "154397978274",
        }
    )
    assert (follow.kind, follow.external_user_id) == (InboundKind.FOLLOW, "24684588352919792")

    submitted = parse_event(
        {
            "sender": {"id": USER},
            "recipient": {"id": OA},
            "event_name": "user_submit_info",
            "app_id": APP,
            "timestamp": "1540368141908",
            "info": {
                "name": "Name Example",
                "phone": "0912 345 678",
                "user_dob": "30/10/1999",
                "gender": "Nam",
                "full_address": {
                    "user_city": "Tuyên Quang",
                    "user_ward": "Phường Hà Giang 1",
                    "user_address": "Tổ 5",
                },
            },
        }
    )
    assert submitted.contact == {
        "name": "Name Example",
        "phone": "84912345678",
        "dob": "30/10/1999",
        "gender": "Nam",
        "address": "Tổ 5",
        "ward": "Phường Hà Giang 1",
        "city": "Tuyên Quang",
    }


def test_a_seen_report_can_name_several_messages():
    seen = parse_event(user_event("user_seen_message", {"msg_ids": ["a1", "b2", 3]}))
    assert seen.kind is InboundKind.SEEN and seen.provider_message_id == "a1"
    assert seen_message_ids(seen) == ("a1", "b2", "3")
    again = parse_event(user_event("user_seen_message", {"msg_ids": ["a1", "b2", 3]}))
    other = parse_event(user_event("user_seen_message", {"msg_ids": ["a1"]}))
    assert seen.external_event_id == again.external_event_id != other.external_event_id


def test_the_other_message_types_and_the_business_card():
    card = {"phone": "0987654321", "qrCodeUrl": "https://qr.zalo.me/x"}
    samples = {
        "audio": {"url": "https://x/a.amr"},
        "video": {"url": "https://x/v.mp4", "thumbnail": "https://x/t.jpg", "description": "lũ"},
        "gif": {"url": "https://x/g.gif", "thumbnail": "https://x/g.jpg"},
        "business_card": {
            "url": "https://x/c",
            "description": json.dumps(card),
            "thumbnail": "https://x/c.jpg",
        },
    }
    for kind, payload in samples.items():
        attachment_type = "link" if kind == "business_card" else kind
        message = {"msg_id": f"m-{kind}", "attachments": [{"type": attachment_type, "payload": payload}]}
        event = parse_event(user_event(f"user_send_{kind}", message))
        assert (event.kind, event.message_type) == (InboundKind.MESSAGE, kind)
        assert event.attachments[0]["url"] == payload["url"]
    business = parse_event(
        user_event(
            "user_send_business_card",
            {"msg_id": "c", "attachments": [{"type": "link", "payload": samples["business_card"]}]},
        )
    )
    assert business.attachments[0]["type"] == "business_card"
    assert business.attachments[0]["phone"] == "0987654321"
    assert business.attachments[0]["qr_code_url"] == "https://qr.zalo.me/x"


def test_anonymous_chats_reactions_and_echoes():
    anonymous = parse_event(
        user_event(
            "anonymous_send_text",
            {"msg_id": "an1", "text": "Tôi không muốn nêu tên", "conversation_id": "c9"},
        )
    )
    assert (anonymous.kind, anonymous.external_user_id) == (InboundKind.MESSAGE, f"anonymous:{USER}")
    assert not opens_window(anonymous)
    answer = parse_event(
        user_event(
            "oa_send_anonymous_text",
            {"msg_id": "an2", "text": "Cảm ơn"},
            sender={"id": OA},
            recipient={"id": "77"},
        )
    )
    assert (answer.kind, answer.external_user_id, answer.text) == (
        InboundKind.OTHER,
        "anonymous:77",
        "Cảm ơn",
    )
    image_echo = parse_event(
        user_event(
            "oa_send_image",
            {"msg_id": "e1", "attachments": [{"type": "image", "payload": {"url": "https://x/a.png"}}]},
            sender={"id": OA, "admin_id": "5"},
            recipient={"id": USER},
        )
    )
    assert (image_echo.external_user_id, image_echo.message_type) == (USER, "image")
    reaction = parse_event(user_event("user_reacted_message", {"msg_id": "r1", "react_icon": "/-heart"}))
    assert (reaction.kind, reaction.provider_message_id, reaction.text) == (
        InboundKind.OTHER,
        "r1",
        "/-heart",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {
            "event_name": "add_user_to_tag",
            "oa_id": OA,
            "tag": {"user_ids": [USER], "name": "vip"},
            "timestamp": "1",
        },
        {
            "event_name": "user_send_group_text",
            "sender": {"id": USER},
            "recipient": {"id": "g1"},
            "message": {"text": "x"},
        },
        {"event_name": "user_withdraw", "sender": {"id": USER}, "timestamp": "1540368141908"},
        {"event_name": "user_call_oa", "call_id": "c1", "call_duration": 120000},
        {"event_name": "a_new_event_zalo_invented", "timestamp": "1540368141908"},
        {},
    ],
)
def test_everything_else_is_other_with_the_raw_body_kept(payload):
    event = parse_event(payload)
    assert event.kind is InboundKind.OTHER and event.raw == payload
    assert event.external_user_id == ""  # never a guess
    assert event.external_event_id


def test_zns_events_are_on_the_zns_channel():
    receipt = parse_event(
        {
            "sender": {"id": OA},
            "recipient": {"id": "84123456789"},
            "event_name": "user_received_message",
            "app_id": APP,
            "timestamp": "1602560967477",
            "message": {
                "delivery_time": "1602960467432",
                "msg_id": "15a0cc0bbb13bd4ce403",
                "tracking_id": "order-88213",
            },
        }
    )
    assert (receipt.kind, receipt.channel, receipt.tracking_id) == (
        InboundKind.DELIVERED,
        ChannelKind.ZNS,
        "order-88213",
    )
    assert receipt.external_user_id == "84123456789"
    assert receipt.occurred_at == dt.datetime(
        2020, 10, 17, 18, 47, 47, 432000, tzinfo=dt.UTC
    )  # delivery_time
    template = parse_event(
        {"event_name": "change_template_status", "template_id": "1", "status": {"new_status": "DISABLE"}}
    )
    assert (template.kind, template.channel) == (InboundKind.OTHER, ChannelKind.ZNS)


# Any JSON at all ----------------------------------------------------------------------------------------

KNOWN = [
    *(
        f"user_send_{kind}"
        for kind in ("text", "image", "gif", "file", "location", "sticker", "link", "audio")
    ),
    *(
        "user_send_video",
        "user_send_business_card",
        "anonymous_send_text",
        "oa_send_text",
        "oa_send_anonymous_file",
    ),
    *("follow", "unfollow", "user_submit_info", "user_received_message", "user_seen_message"),
    *("user_click_chatnow", "user_reacted_message", "change_oa_daily_quota", "user_send_group_text"),
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = (
    "sender",
    "recipient",
    "follower",
    "message",
    "info",
    "timestamp",
    "user_id",
    "msg_id",
    "attachments",
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=16), JSON, max_size=6))
def test_any_json_object_parses_and_unknown_ones_are_other(payload):
    event = parse_event(payload)
    assert isinstance(event, InboundEvent) and event.external_event_id
    if payload.get("event_name") not in KNOWN:
        assert event.kind is InboundKind.OTHER


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(KNOWN),
    st.dictionaries(
        st.sampled_from(FIELDS),
        JSON | st.dictionaries(st.sampled_from((*FIELDS, "id", "msg_ids", "text", "payload")), JSON),
    ),
)
def test_known_events_with_any_shape_of_fields_never_raise(name, fields):
    event = parse_event({**fields, "event_name": name})
    assert event.external_event_id.startswith(name)
    assert all(isinstance(a, dict) for a in event.attachments)
    assert all(isinstance(v, str) for v in event.contact.values())
