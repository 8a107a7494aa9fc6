"""SMS: encoding, parts and cost before sending; the HTTP gateway played by a real local server."""

import datetime as dt
import json
import time
import unicodedata
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from caunoi.channels.base import Channel, ErrorClass, InboundKind, OutboundMessage, Recipient
from caunoi.channels.sms import (
    DeliveryReportRejected,
    SmsChannel,
    SmsEncoding,
    SmsGatewayConfig,
    is_gsm7,
    parse_delivery_report,
    sms_estimate,
    unaccented,
)
from caunoi.core.errors import ValidationFailed

PRICES = {"price_gsm7_vnd": Decimal(500), "price_ucs2_vnd": Decimal(700)}


@pytest.fixture
def channel(gateway):
    config = SmsGatewayConfig(
        url=gateway.url,
        message_id_path="data.id",
        auth_header=("Authorization", "Bearer gw-token"),
        sender="TUYENQUANG",
        timeout_seconds=0.5,
        price_gsm7_vnd=PRICES["price_gsm7_vnd"],
        price_ucs2_vnd=PRICES["price_ucs2_vnd"],
    )
    with SmsChannel(config) as sms:
        yield sms


@pytest.fixture
def now():
    return timezone.now()


def to(phone, text="Xin chao ba con", **kwargs):
    return OutboundMessage(recipient=Recipient(phone=phone), text=text, **kwargs)


# Encoding, parts and cost ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments"),
    [
        ("", SmsEncoding.GSM7, 0, 0),
        ("a" * 160, SmsEncoding.GSM7, 160, 1),
        ("a" * 161, SmsEncoding.GSM7, 161, 2),
        ("a" * 306, SmsEncoding.GSM7, 306, 2),
        ("a" * 307, SmsEncoding.GSM7, 307, 3),
        ("€" * 80, SmsEncoding.GSM7, 160, 1),  # extension characters are two septets
        ("€" * 81, SmsEncoding.GSM7, 162, 2),
        ("a" * 152 + "€" + "a" * 152, SmsEncoding.GSM7, 306, 3),  # "€" may not straddle two parts
        ("ư" * 70, SmsEncoding.UCS2, 70, 1),
        ("ư" * 71, SmsEncoding.UCS2, 71, 2),
        ("ư" * 134, SmsEncoding.UCS2, 134, 2),
        ("ư" * 135, SmsEncoding.UCS2, 135, 3),
        ("😀" * 35, SmsEncoding.UCS2, 70, 1),  # outside the BMP: two UTF-16 code units
        ("ư" * 66 + "😀", SmsEncoding.UCS2, 68, 1),
        ("ư" * 66 + "😀" + "ư" * 66, SmsEncoding.UCS2, 134, 3),  # a surrogate pair is not split either
    ],
)
def test_it_counts_parts_as_the_network_bills_them(text, encoding, characters, segments):
    estimate = sms_estimate(text, **PRICES)

    assert (estimate.encoding, estimate.characters, estimate.segments) == (encoding, characters, segments)


def test_it_knows_the_gsm_alphabet_including_its_accented_latin_letters():
    assert is_gsm7("Hello @ £5 {ok} [1] ~ | ^ € \\ é è ù ì ò à Ç Ñ ß")
    assert not is_gsm7("`")  # the backtick is not in GSM 03.38
    assert not is_gsm7("ả")
    assert not is_gsm7("đ")


def test_vietnamese_with_diacritics_is_ucs2_and_folding_makes_it_gsm7_and_cheaper():
    text = (
        "UBND xã Minh Quang thông báo: do mưa lũ, đường từ thôn Nặm Đăm đi trung tâm xã bị sạt lở. "
        "Đề nghị bà con không đi qua đoạn đường này cho đến khi có thông báo mới."
    )
    accented, folded = sms_estimate(text, **PRICES), sms_estimate(unaccented(text), **PRICES)

    assert accented.encoding == SmsEncoding.UCS2
    assert (accented.characters, accented.segments, accented.cost_vnd) == (len(text), 3, Decimal(2100))
    assert folded.encoding == SmsEncoding.GSM7
    assert (folded.segments, folded.cost_vnd) == (2, Decimal(1000))
    assert unaccented(text).startswith("UBND xa Minh Quang thong bao: do mua lu, duong tu thon Nam Dam")


def test_unaccented_text_keeps_case_and_replaces_pasted_typographic_punctuation():
    text = (
        "ĐƯỜNG Lũ Ống \u2013 \u201ccấm\u201d đi\u2026 \u2018tạm\u2019 thời"  # as pasted from a word processor
    )

    assert unaccented(text) == "DUONG Lu Ong - \"cam\" di... 'tam' thoi"
    assert is_gsm7(unaccented(text))


def test_decomposed_input_is_recomposed_before_counting(channel):
    decomposed = unicodedata.normalize("NFD", "Thông báo")

    assert channel.estimate(to("0912345678", decomposed)).characters == len("Thông báo")


_BASES = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # huyền, sắc, hỏi, ngã, nặng
VIETNAMESE_LETTERS = sorted(
    {unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES}
    | set("bcdđghklmnpqrstvx")
    | {unicodedata.normalize("NFC", base.upper() + tone) for base in _BASES for tone in _TONES}
    | set("BCDĐGHKLMNPQRSTVX")
)
VIETNAMESE_TEXT = st.text(
    alphabet=st.sampled_from(
        VIETNAMESE_LETTERS
        + list("0123456789 \n.,;:!?-()/\"'%\u201c\u201d\u2018\u2019\u2013\u2014\u2026\u00a0")
    ),
    max_size=400,
)


@given(VIETNAMESE_TEXT)
def test_any_vietnamese_text_folded_for_sms_is_gsm7(text):
    folded = unaccented(text)

    assert is_gsm7(folded)
    assert sms_estimate(folded, **PRICES).encoding == SmsEncoding.GSM7


# Sending through the gateway ---------------------------------------------------------------------


def test_a_sent_message_reaches_the_gateway_with_the_configured_body_and_auth(channel, gateway):
    result = channel.send(to("0912 345 678", "Họp dân lúc 8 giờ", tracking_id="d-42"))

    assert result.ok
    assert (result.provider_message_id, result.segments, result.cost_vnd) == ("gw-1", 1, Decimal(700))
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer gw-token"
    assert json.loads(request["body"]) == {
        "to": "84912345678",
        "text": "Họp dân lúc 8 giờ",
        "sender": "TUYENQUANG",
        "tracking_id": "d-42",
    }


def test_the_unaccented_option_sends_folded_text_at_the_gsm7_price(channel, gateway):
    result = channel.send(to("0912345678", "Đường ngập", unaccented=True))

    assert json.loads(gateway.requests[0]["body"])["text"] == "Duong ngap"
    assert result.cost_vnd == Decimal(500)


def test_a_form_gateway_with_basic_auth_gets_its_template_filled_once(gateway):
    gateway.reply = (200, {"results": [{"msgid": 991}]}, {})
    config = SmsGatewayConfig(
        url=gateway.url,
        body_format="form",
        body_template="u=caunoi&dest={to}&msg={text}&ref={tracking_id}",
        message_id_path="results.0.msgid",
        basic_auth=("caunoi", "s3cret"),
    )
    with SmsChannel(config) as sms:
        result = sms.send(to("+84 912 345 678", "Gõ {to} & trả lời", tracking_id="t1"))

    assert result.provider_message_id == "991"
    request = gateway.requests[0]
    assert request["headers"]["Authorization"].startswith("Basic ")
    assert parse_qs(request["body"].decode()) == {
        "u": ["caunoi"],
        "dest": ["84912345678"],
        "msg": ["Gõ {to} & trả lời"],  # the citizen's braces are not placeholders
        "ref": ["t1"],
    }


def test_a_batch_reuses_one_connection(channel, gateway):
    for _ in range(3):
        assert channel.send(to("0912345678")).ok

    assert len({request["port"] for request in gateway.requests}) == 1


def test_an_invalid_phone_fails_permanently_without_calling_the_gateway(channel, gateway):
    result = channel.send(to("12345"))

    assert result.error.error_class == ErrorClass.PERMANENT
    assert result.error.code == "invalid_phone"
    assert gateway.requests == []


@pytest.mark.parametrize(
    ("status", "headers", "error_class", "retry_after"),
    [
        (400, {}, ErrorClass.PERMANENT, None),
        (
            401,
            {},
            ErrorClass.REAUTH,
            None,
        ),  # our credentials are wrong: the channel must stop, not the citizen
        (429, {"Retry-After": "7"}, ErrorClass.RATE_LIMITED, 7.0),
        (500, {}, ErrorClass.TRANSIENT, None),
        (503, {}, ErrorClass.TRANSIENT, None),
    ],
)
def test_gateway_errors_are_classed_for_the_delivery_engine(
    channel, gateway, status, headers, error_class, retry_after
):
    gateway.reply = (status, {"error": "nope"}, headers)

    result = channel.send(to("0912345678"))

    assert not result.ok
    assert (result.error.error_class, result.error.code, result.error.retry_after) == (
        error_class,
        str(status),
        retry_after,
    )
    assert result.error.retryable is (error_class != ErrorClass.PERMANENT)
    assert "nope" in result.error.message


def test_a_slow_gateway_times_out_as_transient_and_may_have_sent(channel, gateway):
    gateway.delay = 2.0
    started = time.monotonic()

    result = channel.send(to("0912345678"))

    assert time.monotonic() - started < 1.5
    assert (result.error.error_class, result.error.code) == (ErrorClass.TRANSIENT, "timeout")
    assert result.error.maybe_sent  # the gateway got the request: a resend may text the person twice


def test_an_unreachable_gateway_is_transient():
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()

    with SmsChannel(SmsGatewayConfig(url=f"http://127.0.0.1:{port}/send", timeout_seconds=1)) as sms:
        error = sms.send(to("0912345678")).error

    assert error is not None
    assert (error.error_class, error.code) == (ErrorClass.TRANSIENT, "network")
    assert not error.maybe_sent  # never connected: safe to send again


def test_eligibility_needs_a_valid_phone_and_a_configured_gateway(channel, now):
    assert channel.eligibility(Recipient(phone="0912345678"), now=now).eligible
    assert channel.eligibility(Recipient(phone="0912345678"), now=now).cost_vnd == Decimal(700)
    assert channel.eligibility(Recipient(email="a@b.vn"), now=now).reason == "no valid phone number"
    unconfigured: Channel = SmsChannel(SmsGatewayConfig(url=""))  # and mypy checks it speaks the protocol
    assert not unconfigured.eligibility(Recipient(phone="0912345678"), now=now).eligible


def test_the_gateway_is_configured_from_settings(settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "https://sms.example.vn/api"
    settings.CAUNOI_SMS_AUTH_HEADER = "X-Api-Key:  k-123 "
    settings.CAUNOI_SMS_BASIC_AUTH = "user:pa:ss"

    config = SmsGatewayConfig.from_settings()

    assert config.url == "https://sms.example.vn/api"
    assert config.auth_header == ("X-Api-Key", "k-123")
    assert config.basic_auth == ("user", "pa:ss")


# Delivery reports --------------------------------------------------------------------------------


def test_a_delivery_report_with_the_secret_becomes_delivered():
    body = json.dumps(
        {"message_id": "gw-1", "tracking_id": "d-42", "status": "DELIVRD", "timestamp": "1795000000"}
    )

    event = parse_delivery_report(body.encode(), {"Authorization": "Bearer dlr-secret"}, "dlr-secret")

    assert event.kind == InboundKind.DELIVERED
    assert (event.provider_message_id, event.tracking_id) == ("gw-1", "d-42")
    assert event.occurred_at == dt.datetime.fromtimestamp(1795000000, tz=dt.UTC)
    assert event.external_event_id == "sms-report:gw-1:delivrd"


def test_a_failed_delivery_report_in_form_encoding_carries_the_error():
    body = b"msgid=gw-7&ref=d-9&stat=UNDELIV&err=011"

    event = parse_delivery_report(
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "X-Caunoi-Secret": "dlr-secret"},
        "dlr-secret",
    )

    assert event.kind == InboundKind.FAILED
    assert (event.provider_message_id, event.tracking_id) == ("gw-7", "d-9")
    assert event.error is not None
    assert (event.error.error_class, event.error.code) == ("permanent", "011")


def test_an_interim_report_is_not_an_outcome():
    event = parse_delivery_report(b'{"id": "gw-2", "status": "ENROUTE"}', {"X-Caunoi-Secret": "s"}, "s")

    assert (event.kind, event.message_type) == (InboundKind.OTHER, "delivery_pending")
    assert event.error is None


@pytest.mark.parametrize(
    ("headers", "secret"),
    [
        ({"X-Caunoi-Secret": "guess"}, "dlr-secret"),
        ({"Authorization": "Bearer guess"}, "dlr-secret"),
        ({}, "dlr-secret"),
        ({"X-Caunoi-Secret": ""}, ""),  # no secret configured: refuse everything
    ],
)
def test_a_delivery_report_without_the_shared_secret_is_refused(headers, secret):
    with pytest.raises(DeliveryReportRejected):
        parse_delivery_report(b'{"message_id": "gw-1", "status": "DELIVRD"}', headers, secret)


@pytest.mark.parametrize("body", [b"\xff\xfe", b'["gw-1"]', b'{"status": "DELIVRD"}'])
def test_a_malformed_delivery_report_is_a_validation_error(body):
    with pytest.raises(ValidationFailed):
        parse_delivery_report(body, {"X-Caunoi-Secret": "s"}, "s")
