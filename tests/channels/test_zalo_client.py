"""The OA API client and the Zalo channel against the real emulator over HTTP, and the error table."""

from __future__ import annotations

import datetime as dt
import re
import socket
import unicodedata
from decimal import Decimal

import pytest

from caunoi.channels.base import Attachment, ErrorClass, OutboundMessage, Recipient
from caunoi.channels.zalo.client import (
    NO_ANSWER,
    NOT_SENT,
    Button,
    ListElement,
    ZaloApiError,
    ZaloChannel,
    ZaloClient,
    ZaloHttp,
)
from caunoi.channels.zalo.emulator.media import tiny_png
from caunoi.channels.zalo.errors import OA_RULES, OAUTH_RULES, ZNS_RULES, ZaloApi, classify
from tests.channels.zalo_support import FakeClock, add_follower, admin, admin_token, running_emulator

PRICE = Decimal(110)
NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emulator(clock):
    with running_emulator(clock) as emulator:
        yield emulator


@pytest.fixture
def client(emulator):
    with ZaloClient(admin_token(emulator), base_url=emulator.url, cs_price_vnd=PRICE, timeout=2) as client:
        yield client


def logged(emulator) -> list[dict]:
    return admin(emulator, "GET", "messages")["messages"]


def calls_this_minute(emulator) -> int:
    return admin(emulator, "GET", "state")["rate_limit"]["used_this_minute"]


# Consultation messages --------------------------------------------------------------------------------


def test_cs_text_is_free_within_48_hours_billed_to_7_days_and_refused_after(emulator, client):
    fresh, paid, stale = (add_follower(emulator, hours) for hours in (3, 50, 8 * 24))

    free = client.send_text(fresh, "Xã đã nhận phản ánh của bạn.")
    assert free.ok and re.fullmatch(r"[0-9a-f]{20}", free.provider_message_id)
    assert (free.cost_vnd, free.quota_remaining) == (Decimal(0), 8)

    billed = client.send_text(paid, "Xã đã nhận phản ánh của bạn.")
    assert billed.ok and (billed.cost_vnd, billed.quota_remaining) == (PRICE, None)

    refused = client.send_text(stale, "Xã đã nhận phản ánh của bạn.")
    assert refused.error is not None
    assert (refused.error.error_class, refused.error.code) == (ErrorClass.PERMANENT, "-230")
    assert "7 days" in refused.error.message and not refused.error.retryable

    assert [(m["recipient"], m["billed"]) for m in logged(emulator)] == [(fresh, False), (paid, True)]
    assert client.rate_limit_remain == 4000 - calls_this_minute(emulator) == 3997


def test_text_over_2000_characters_is_refused_without_calling_zalo(emulator, client):
    user = add_follower(emulator, 1)
    before = calls_this_minute(emulator)
    for text in ("a" * 2001, "   "):
        result = client.send_text(user, text)
        assert result.error is not None
        assert (result.error.error_class, result.error.code) == (ErrorClass.PERMANENT, "-201")
        assert "refused before sending" in result.error.message
    assert calls_this_minute(emulator) == before
    assert logged(emulator) == []
    decomposed = unicodedata.normalize("NFD", "ệ" * 1000)  # 3,000 code points, 1,000 letters
    assert client.send_text(user, decomposed).ok
    assert client.send_text(user, "a" * 2000).ok


def test_the_rate_limit_is_rate_limited_with_the_wait_until_the_next_minute(start_of_minute_emulator):
    emulator = start_of_minute_emulator
    user = add_follower(emulator, 1)
    with ZaloClient(admin_token(emulator), base_url=emulator.url) as client:
        results = [client.send_text(user, f"tin {n}") for n in range(4)]
        remains = client.rate_limit_remain
    assert [r.ok for r in results] == [True, True, True, False]
    error = results[3].error
    assert error is not None and (error.error_class, error.code) == (ErrorClass.RATE_LIMITED, "-32")
    assert error.retry_after is not None and 0 < error.retry_after <= 60
    assert error.retryable
    assert remains == 0


@pytest.fixture
def start_of_minute_emulator(clock):
    clock.now = (int(clock.now) // 60) * 60 + 1.0
    with running_emulator(clock, rate_limit_per_minute=3) as emulator:
        yield emulator


def test_an_unknown_or_expired_token_is_reauth(emulator, client, clock):
    user = add_follower(emulator, 1)
    with ZaloClient("not-a-token", base_url=emulator.url) as stranger:
        unknown = stranger.send_text(user, "a")
    assert unknown.error is not None and (unknown.error.error_class, unknown.error.code) == (
        ErrorClass.REAUTH,
        "-216",
    )
    clock.advance(90_001)
    expired = client.send_text(user, "a")
    assert expired.error is not None and (expired.error.error_class, expired.error.code) == (
        ErrorClass.REAUTH,
        "-220",
    )
    with pytest.raises(ZaloApiError) as caught:
        client.oa_profile()
    assert caught.value.error.error_class is ErrorClass.REAUTH


def test_5xx_timeouts_and_answers_outside_the_envelope_are_transient(clock):
    with running_emulator(clock, timeout_hold_s=0.5) as emulator:
        user = add_follower(emulator, 1)
        with ZaloClient(admin_token(emulator), base_url=emulator.url, timeout=0.2) as client:
            admin(emulator, "POST", "faults", json={"error_rate_5xx": 1.0})
            bad_gateway = client.send_text(user, "a")
            admin(emulator, "POST", "faults", json={"reset": True, "timeout_rate": 1.0})
            timed_out = client.send_text(user, "a")
            admin(emulator, "POST", "faults", json={"reset": True})
            assert client.send_text(user, "a").ok  # the pool recovers from the dropped connection
        with ZaloHttp("t", base_url=f"{emulator.url}/_media") as media:
            not_envelope = media.call("GET", "/image/x.png")  # HTTP 200, but a PNG
    assert bad_gateway.error is not None and bad_gateway.error.code == "http-502"
    assert timed_out.error is not None and timed_out.error.code == NO_ANSWER  # Zalo may have taken it
    assert not_envelope.error is not None and not_envelope.error.code == "bad-envelope"
    assert timed_out.error.maybe_sent and not_envelope.error.maybe_sent
    for error in (bad_gateway.error, timed_out.error, not_envelope.error):
        assert error.error_class is ErrorClass.TRANSIENT


def test_a_refused_connection_is_known_not_sent():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with ZaloClient("t", base_url=closed) as client:
        result = client.send_text("1", "a")
    assert result.error is not None
    assert (result.error.error_class, result.error.code) == (ErrorClass.TRANSIENT, NOT_SENT)


def test_images_files_lists_and_requests_for_info_are_sent(emulator, client, clock):
    user = add_follower(emulator, 1)
    image = client.upload_image(tiny_png(), "ban-do.png")
    document = client.upload_file(b"%PDF-1.4 lich tiep dan", "lich-tiep-dan.pdf")
    assert client.send_image(user, attachment_id=image, caption="Bản đồ điểm sạt lở").ok
    assert client.send_image(user, url="https://caunoi.example/a.jpg").ok
    assert client.send_file(user, document).ok
    elements = [
        ListElement("Lịch tiếp công dân", "Thứ Năm hằng tuần", url="https://caunoi.example/lich"),
        ListElement("Tra cứu kiến nghị"),
    ]
    buttons = [Button("Gọi xã", "oa.open.phone", {"phone_code": "84912345678"})]
    assert client.send_list(user, elements, buttons).ok
    assert client.send_request_user_info(user, "Cầu Nối", "Xin số điện thoại để xã liên hệ").ok
    kinds = [m["kind"] for m in logged(emulator)]
    assert kinds == ["image", "image", "file", "list", "request_user_info"]

    clock.advance(8 * 24 * 3600)  # uploads live 7 days
    add_follower(emulator, 1, user_id=user)
    client.access_token = admin_token(emulator)
    expired = client.send_image(user, attachment_id=image)
    assert expired.error is not None and (expired.error.error_class, expired.error.code) == (
        ErrorClass.PERMANENT,
        "-100",
    )


def test_payloads_that_cannot_pass_are_refused_locally(emulator, client):
    user = add_follower(emulator, 1)
    before = calls_this_minute(emulator)
    for upload, code in [
        (lambda: client.upload_image(tiny_png() + b"\0" * (1024 * 1024), "big.png"), "-210"),
        (lambda: client.upload_image(b"GIF89a...", "a.gif"), "-201"),
        (lambda: client.upload_file(b"MZ", "virus.exe"), "-201"),
        (lambda: client.upload_file(b"%PDF" + b"\0" * (5 * 1024 * 1024), "big.pdf"), "-210"),
    ]:
        with pytest.raises(ZaloApiError) as caught:
            upload()
        assert (caught.value.error.error_class, caught.value.error.code) == (ErrorClass.PERMANENT, code)
    six = [ListElement(f"Mục {n}", "x") for n in range(6)]
    assert client.send_list(user, six).error is not None
    assert client.send_list(user, [ListElement("Không có phụ đề")]).error is not None
    assert client.send_request_user_info(user, "x" * 101).error is not None
    assert calls_this_minute(emulator) == before
    with pytest.raises(ValueError, match="exactly one"):
        client.send_image(user, attachment_id="a", url="https://x")


def test_a_template_by_user_id_ignores_the_window_and_is_billed(emulator, client):
    user = add_follower(emulator, 30 * 24)
    data = {
        "citizen_name": "Lò Thị Hoa",
        "petition_code": "KN-1",
        "status": "Đã xong",
        "lookup_url": "https://x",
    }
    sent = client.send_template_by_user_id(user, "410002", data, price_vnd=Decimal(300))
    assert sent.ok and sent.provider_message_id and sent.cost_vnd == Decimal(300)
    otp = client.send_template_by_user_id(user, "410004", {"otp": "123456"})
    assert otp.error is not None and (otp.error.error_class, otp.error.code) == (ErrorClass.PERMANENT, "-249")


def test_calls_reuse_one_connection(emulator, client):
    user = add_follower(emulator, 1)
    before = admin(emulator, "GET", "state")["http"]["connections_opened"]
    for n in range(20):
        assert client.send_text(user, f"tin {n}").ok
    after = admin(emulator, "GET", "state")["http"]["connections_opened"]
    assert after - before == 2  # the client's one connection, and this admin call's own


# Followers, tags, quota ---------------------------------------------------------------------------


def test_the_user_list_pages_to_the_end(emulator, client):
    pages = list(client.user_list(count=7))
    assert [len(p.user_ids) for p in pages] == [7, 7, 7, 7, 2]
    assert [p.offset for p in pages] == [0, 7, 14, 21, 28]
    ids = [i for p in pages for i in p.user_ids]
    assert len(ids) == len(set(ids)) == 30 == pages[0].total
    assert [i for p in client.user_list() for i in p.user_ids] == ids
    with pytest.raises(ValueError):
        next(client.user_list(count=51))


def test_the_user_list_stops_at_zalos_offset_ceiling(clock):
    with (
        running_emulator(clock, followers=10_020) as emulator,
        ZaloClient(admin_token(emulator), base_url=emulator.url) as client,
    ):
        pages = list(client.user_list(offset=9_900))
    assert [p.offset for p in pages] == [9_900, 9_950]  # 10,000 would pass 9,951
    assert sum(len(p.user_ids) for p in pages) == 100
    assert pages[-1].total == 10_020  # the caller sees what paging cannot reach


def test_user_detail_tags_quota_and_profile(emulator, client, clock):
    user = add_follower(emulator, 2, display_name="Nguyễn Thị Lan")
    client.tag_follower(user, "xa-00694")
    client.tag_follower(user, "ngap-lut")
    assert client.tags_of_oa() == ["xa-00694", "ngap-lut"]
    client.remove_from_tag(user, "ngap-lut")
    detail = client.user_detail(user)
    assert (detail.user_id, detail.display_name, detail.is_follower) == (user, "Nguyễn Thị Lan", True)
    assert detail.user_id_by_app and detail.user_id_by_app != user
    assert detail.tag_names == ("xa-00694",)
    vn_day = dt.datetime.fromtimestamp(clock.now - 2 * 3600, dt.timezone(dt.timedelta(hours=7))).date()
    assert detail.last_interaction_date == vn_day
    [tagged] = client.user_list(tag_name="xa-00694", is_follower=True, last_interaction_period="L7D")
    assert tagged.user_ids == (user,)
    client.remove_tag("xa-00694")
    assert client.tags_of_oa() == ["ngap-lut"]
    assert list(client.user_list(tag_name="ngap-lut")) == []
    with pytest.raises(ZaloApiError) as caught:
        client.user_detail("42")
    assert (caught.value.error.error_class, caught.value.error.code) == (ErrorClass.PERMANENT, "-213")

    quota = client.quota(user)
    assert quota.reply_remain == 8 and quota.reply_total == 8
    assert quota.last_interaction_at is not None
    assert abs(quota.last_interaction_at.timestamp() - (clock.now - 2 * 3600)) < 1

    profile = client.oa_profile()
    assert (profile.oa_id, profile.oa_type, profile.is_verified) == (emulator.config.oa_id, 4, True)
    assert profile.num_follower == 31


# The channel ----------------------------------------------------------------------------------------


def test_eligibility_follows_the_consultation_window(client):
    channel = ZaloChannel(client)

    def at(hours_ago):
        return Recipient(zalo_user_id="1", last_interaction_at=NOW - dt.timedelta(hours=hours_ago))

    free = channel.eligibility(at(47), now=NOW)
    assert (free.eligible, free.cost_vnd, free.reason) == (True, Decimal(0), "free reply window")
    assert free.window_ends_at == NOW + dt.timedelta(hours=1)
    paid = channel.eligibility(at(49), now=NOW)
    assert (paid.eligible, paid.cost_vnd, paid.reason) == (True, PRICE, "paid window")
    assert paid.window_ends_at == NOW + dt.timedelta(days=7, hours=-49)
    closed = channel.eligibility(at(7 * 24 + 1), now=NOW)
    assert not closed.eligible and "closed" in closed.reason
    assert not channel.eligibility(Recipient(zalo_user_id="1"), now=NOW).eligible
    assert not channel.eligibility(Recipient(phone="84912345678", last_interaction_at=NOW), now=NOW).eligible


def test_the_channel_sends_text_images_files_and_templates(emulator, client):
    user = add_follower(emulator, 1)
    channel = ZaloChannel(client, template_prices={"410001": Decimal(300)})
    recipient = Recipient(zalo_user_id=user)

    def send(**fields):
        return channel.send(OutboundMessage(recipient=recipient, **fields))

    assert send(text="Cảm ơn bạn", reply_to="abc").ok
    assert send(text="Ảnh", attachments=(Attachment("a.png", "image/png", tiny_png()),)).ok
    assert send(text="Ảnh", attachments=(Attachment("a.jpg", "image/jpeg", url="https://x/a.jpg"),)).ok
    assert send(attachments=(Attachment("don.pdf", "application/pdf", b"%PDF-1.4"),)).ok
    template = send(
        template_id="410001", template_params={"citizen_name": "Hoa", "date": "1/6", "place": "UBND"}
    )
    assert template.ok and template.cost_vnd == Decimal(300)
    assert [m["kind"] for m in logged(emulator)] == ["text", "image", "image", "file", "template"]

    captioned_file = send(text="x", attachments=(Attachment("don.pdf", "application/pdf", b"%PDF"),))
    two = send(attachments=(Attachment("a.png", "image/png", tiny_png()),) * 2)
    big = send(attachments=(Attachment("a.png", "image/png", tiny_png() + b"\0" * 2**20),))
    for result in (captioned_file, two, big):
        assert result.error is not None and result.error.error_class is ErrorClass.PERMANENT
    assert len(logged(emulator)) == 5
    with pytest.raises(ValueError):
        channel.send(OutboundMessage(recipient=Recipient(phone="84912345678"), text="x"))


# The error table --------------------------------------------------------------------------------------

OA_CODES = [-32, -100, -200, -201, -204, -205, -209, -210, -211, -212, -213, -214, -216, -217, -218, -219]
OA_CODES += [-220, -221, -223, -224, -227, -230, -232, -233, -234, -235, -237, -238, -240, -241, -242]
OA_CODES += [-244, -248, -249, -320, -321, -403, -1340, -1341]
ZNS_CODES = [-100, -101, -102, -103, -104, -105, -106, -107, -108, -109, -110, -111, -112, -1121, -1122]
ZNS_CODES += [-1124, -113, -114, -115, -117, -118, -124, -1241, -125, -126, -127, -131, -133, -135, -1351]
ZNS_CODES += [-136, -137, -139, -140, -141, -144, -1441, -146, -147, -1471, -1472, -161, -162]
OAUTH_CODES = [-14002, -14003, -14004, -14005, -14014, -14018]


def test_every_documented_code_has_a_rule():
    assert set(OA_CODES) == set(OA_RULES)
    assert set(ZNS_CODES) <= set(ZNS_RULES)
    assert set(OAUTH_CODES) <= set(OAUTH_RULES)


@pytest.mark.parametrize(
    ("codes", "api", "error_class"),
    [
        ([-216, -220], ZaloApi.OA, ErrorClass.REAUTH),  # refresh and retry
        ([-124], ZaloApi.ZNS, ErrorClass.REAUTH),
        ([-209, -212, -219, -223], ZaloApi.OA, ErrorClass.REAUTH),  # the account needs a person
        ([-135, -136], ZaloApi.ZNS, ErrorClass.REAUTH),
        (OAUTH_CODES, ZaloApi.OAUTH, ErrorClass.REAUTH),
        ([-221, -224, -320], ZaloApi.OA, ErrorClass.PERMANENT),  # one feature needs a person
        ([-32], ZaloApi.OA, ErrorClass.RATE_LIMITED),
        ([-32], ZaloApi.OAUTH, ErrorClass.RATE_LIMITED),
        ([-234], ZaloApi.OA, ErrorClass.RESCHEDULE),
        ([-133], ZaloApi.ZNS, ErrorClass.RESCHEDULE),
        ([-201, -213, -227, -230, -232, -233, -244], ZaloApi.OA, ErrorClass.PERMANENT),
        ([-108, -114, -1121], ZaloApi.ZNS, ErrorClass.PERMANENT),
        ([-211, -321], ZaloApi.OA, ErrorClass.QUOTA),
        ([-115, -137, -144, -147], ZaloApi.ZNS, ErrorClass.QUOTA),
    ],
)
def test_codes_are_classed_as_research_10_4_suggests(codes, api, error_class):
    for code in codes:
        error = classify(code, "", api=api)
        assert (error.error_class, error.code) == (error_class, str(code))
        assert error.message


def test_the_same_number_can_mean_different_things():
    assert classify(-100, "attachment_id was expired").error_class is ErrorClass.PERMANENT
    assert classify(-100, "Unknown error", api=ZaloApi.ZNS).error_class is ErrorClass.TRANSIENT
    authorise = classify(-223, "Official Account has not authorized this API")
    articles = classify(-223, "Your OA has reach the limit quota create article")
    assert (authorise.error_class, articles.error_class) == (ErrorClass.REAUTH, ErrorClass.QUOTA)
    assert "reconnect" in authorise.message  # what the person has to do


def test_unknown_codes_are_retried_only_when_they_look_like_a_server_fault():
    assert classify(-503, "").error_class is ErrorClass.TRANSIENT
    assert classify(-999, "Internal server error").error_class is ErrorClass.TRANSIENT
    assert classify(-999, "Something about your payload").error_class is ErrorClass.PERMANENT
    assert classify(-32, "").retry_after == 60.0
    assert classify(-32, "", retry_after=7.0).retry_after == 7.0
    with pytest.raises(ValueError):
        classify(0, "Success")
