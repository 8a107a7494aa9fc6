"""Email against a real SMTP server on 127.0.0.1 (aiosmtpd), and bounces built as MTAs write them."""

from email import message_from_bytes, policy
from email.header import decode_header, make_header
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from caunoi.channels.base import Attachment, Channel, ErrorClass, InboundKind, OutboundMessage, Recipient
from caunoi.channels.email import EmailChannel, parse_bounce, unsubscribe_token, unsubscribe_token_email
from caunoi.settings import _email_from_url
from tests.providers import free_port

SUBJECT = "Thông báo lịch tiêm chủng tháng 12 — Phường Hà Giang 1"


@pytest.fixture
def channel(mailbox):
    with EmailChannel() as email:
        yield email


def to(address, **kwargs):
    defaults = {"subject": SUBJECT, "text": "Kính gửi bà con,\nLịch tiêm chủng đã có.", "tracking_id": "d-17"}
    return OutboundMessage(recipient=Recipient(email=address), **{**defaults, **kwargs})


def test_a_message_arrives_with_text_and_html_parts_and_a_vietnamese_subject(channel, mailbox):
    result = channel.send(to("ba.con@example.vn", html="<p>Kính gửi <b>bà con</b>,</p>"))

    assert result.ok
    [received] = mailbox.messages
    message = received["message"]
    assert received["rcpt_tos"] == ["ba.con@example.vn"]
    assert received["mail_from"] == "thongbao@caunoi.example.vn"
    assert message.get_content_type() == "multipart/alternative"
    # Decoded as RFC 2047 says (mail clients do; Python's newer parser keeps the fold's leading space).
    raw_subject = message_from_bytes(received["raw"], policy=policy.compat32)["Subject"]
    assert str(make_header(decode_header(raw_subject))) == SUBJECT
    assert raw_subject.isascii()
    assert message["Message-ID"] == result.provider_message_id
    assert result.provider_message_id.endswith("@caunoi.example.vn>")
    assert message["X-Caunoi-Tracking-Id"] == "d-17"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text.get_content().splitlines() == ["Kính gửi bà con,", "Lịch tiêm chủng đã có."]
    assert html.get_content().strip() == "<p>Kính gửi <b>bà con</b>,</p>"


def test_the_unsubscribe_headers_carry_a_token_that_verifies_for_that_recipient(channel, mailbox):
    channel.send(to("ba.con@example.vn"))

    message = mailbox.messages[0]["message"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [item.strip().strip("<>") for item in str(message["List-Unsubscribe"]).split(",")]
    url = urlsplit(https)
    assert (url.scheme, url.netloc, url.path) == ("https", "caunoi.example.vn", "/huy-dang-ky/")
    token = parse_qs(url.query)["token"][0]
    assert unsubscribe_token_email(token) == "ba.con@example.vn"
    assert mailto.startswith("mailto:thongbao@caunoi.example.vn?subject=")
    assert unquote(mailto.partition("subject=")[2]) == f"unsubscribe {token}"


def test_a_tampered_or_foreign_unsubscribe_token_does_not_verify():
    token = unsubscribe_token("ba.con@example.vn")

    with pytest.raises(signing.BadSignature):
        unsubscribe_token_email(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(signing.BadSignature):
        unsubscribe_token_email(signing.dumps("ba.con@example.vn"))  # signed, but not for unsubscribing


def test_without_an_unsubscribe_page_only_the_mailto_form_is_offered(mailbox, settings):
    settings.CAUNOI_EMAIL_UNSUBSCRIBE_URL = ""
    with EmailChannel() as email:
        email.send(to("ba.con@example.vn"))

    message = mailbox.messages[0]["message"]
    assert str(message["List-Unsubscribe"]).strip().startswith("<mailto:")
    assert message["List-Unsubscribe-Post"] is None  # one-click needs an HTTPS address


def test_text_only_content_gets_an_escaped_html_part(channel, mailbox):
    channel.send(to("ba.con@example.vn", text="Giá <100.000đ> & miễn phí\n\nĐoạn hai", html=""))

    html = mailbox.messages[0]["message"].get_body(("html",)).get_content()
    assert "<p>Giá &lt;100.000đ&gt; &amp; miễn phí</p>" in html
    assert "<p>Đoạn hai</p>" in html


def test_html_only_content_gets_a_plain_text_part(channel, mailbox):
    channel.send(to("ba.con@example.vn", text="", html="<p>Họp <b>thôn</b> &amp; tổ dân phố</p>"))

    text = mailbox.messages[0]["message"].get_body(("plain",)).get_content()
    assert text.strip() == "Họp thôn & tổ dân phố"


def test_an_attachment_travels_with_both_bodies(channel, mailbox):
    pdf = Attachment(filename="lich-tiem.pdf", content_type="application/pdf", content=b"%PDF-1.4 test")

    channel.send(to("ba.con@example.vn", html="<p>Xem tệp đính kèm</p>", attachments=(pdf,)))

    message = mailbox.messages[0]["message"]
    assert message.get_content_type() == "multipart/mixed"
    [attached] = list(message.iter_attachments())
    assert (attached.get_filename(), attached.get_content()) == ("lich-tiem.pdf", b"%PDF-1.4 test")
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None


def test_a_batch_is_sent_over_one_smtp_session(channel, mailbox):
    for number in range(3):
        assert channel.send(to(f"nguoi{number}@example.vn")).ok

    assert len(mailbox.messages) == 3
    assert len({received["peer"] for received in mailbox.messages}) == 1


def test_a_recipient_the_server_refuses_fails_permanently_and_the_batch_goes_on(channel, mailbox):
    mailbox.refuse["khong.ton.tai@example.vn"] = "550 5.1.1 <khong.ton.tai@example.vn>: User unknown"

    refused = channel.send(to("khong.ton.tai@example.vn"))
    accepted = channel.send(to("ba.con@example.vn"))

    assert (refused.error.error_class, refused.error.code) == (ErrorClass.PERMANENT, "550")
    assert "User unknown" in refused.error.message
    assert not refused.error.retryable
    assert accepted.ok
    assert [m["rcpt_tos"] for m in mailbox.messages] == [["ba.con@example.vn"]]


def test_a_temporarily_refused_recipient_is_transient(channel, mailbox):
    mailbox.refuse["day.hop@example.vn"] = "452 4.2.2 Mailbox full, try later"

    result = channel.send(to("day.hop@example.vn"))

    assert (result.error.error_class, result.error.code) == (ErrorClass.TRANSIENT, "452")


def test_an_unreachable_mail_server_is_transient(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2

    with EmailChannel() as email:
        error = email.send(to("ba.con@example.vn")).error

    assert error is not None
    assert (error.error_class, error.code) == (ErrorClass.TRANSIENT, "connection")


def test_an_invalid_address_fails_permanently_and_is_not_eligible(mailbox):
    email: Channel = EmailChannel()  # and mypy checks it speaks the protocol

    error = email.send(to("not-an-address")).error

    assert error is not None and (error.error_class, error.code) == (ErrorClass.PERMANENT, "invalid_address")
    assert mailbox.messages == []
    assert not email.eligibility(Recipient(email="not-an-address"), now=timezone.now()).eligible
    assert email.eligibility(Recipient(email="ba.con@example.vn"), now=timezone.now()).eligible


# Bounces -----------------------------------------------------------------------------------------


def dsn(original_headers: str, *, action: str, status: str, diagnostic: str) -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464)."""
    return f"""\
Return-Path: <>
Date: Fri, 27 Nov 2026 09:15:02 +0700 (ICT)
From: MAILER-DAEMON@mx.example.vn (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: thongbao@caunoi.example.vn
Message-Id: <20261127021502.4F1A@mx.example.vn>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4F1A.1795738502/mx.example.vn"

This is a MIME-encapsulated message.

--4F1A.1795738502/mx.example.vn
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4F1A.1795738502/mx.example.vn
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.vn
X-Postfix-Queue-ID: 4F1A
Arrival-Date: Fri, 27 Nov 2026 09:15:01 +0700 (ICT)

Final-Recipient: rfc822; khong.ton.tai@example.vn
Original-Recipient: rfc822;khong.ton.tai@example.vn
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.vn
Diagnostic-Code: smtp; {diagnostic}

--4F1A.1795738502/mx.example.vn
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{original_headers}
--4F1A.1795738502/mx.example.vn--
""".replace("\n", "\r\n").encode()


def bounce(raw):
    event = parse_bounce(raw)
    assert event is not None
    return event


def sent_headers(channel, address):
    """The headers of a message exactly as the channel builds it, which a bounce returns."""
    message = channel.email_message(to(address)).message()
    return "".join(f"{name}: {value}\n" for name, value in message.items())


def test_a_hard_bounce_names_the_original_message_and_is_permanent(channel):
    headers = sent_headers(channel, "khong.ton.tai@example.vn")
    message_id = message_from_bytes(headers.encode())["Message-ID"]

    event = bounce(
        dsn(
            headers,
            action="failed",
            status="5.1.1",
            diagnostic="550 5.1.1 <khong.ton.tai@example.vn>: User unknown",
        )
    )

    assert event.kind == InboundKind.FAILED
    assert event.provider_message_id == message_id
    assert event.tracking_id == "d-17"
    assert event.external_user_id == "khong.ton.tai@example.vn"
    assert event.external_event_id == "email-dsn:<20261127021502.4F1A@mx.example.vn>"
    assert event.error is not None
    assert (event.error.error_class, event.error.code) == ("permanent", "5.1.1")
    assert "User unknown" in event.raw["diagnostic"]
    assert event.occurred_at.isoformat() == "2026-11-27T09:15:01+07:00"


def test_a_delay_notice_is_transient(channel):
    headers = sent_headers(channel, "khong.ton.tai@example.vn")

    event = bounce(dsn(headers, action="delayed", status="4.4.1", diagnostic="connect timed out"))

    assert event.kind == InboundKind.FAILED
    assert event.error is not None
    assert (event.error.error_class, event.error.code) == ("transient", "4.4.1")


def test_a_success_notice_is_a_delivery(channel):
    headers = sent_headers(channel, "ba.con@example.vn")

    event = bounce(dsn(headers, action="delivered", status="2.0.0", diagnostic="250 OK"))

    assert event.kind == InboundKind.DELIVERED
    assert event.error is None


def test_mail_that_is_not_a_delivery_report_is_ignored():
    auto_reply = (
        b"From: a@example.vn\r\nSubject: Out of office\r\nContent-Type: text/plain\r\n\r\nToi di vang.\r\n"
    )

    assert parse_bounce(auto_reply) is None


# EMAIL_URL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer%40tq.gov.vn:p%40ss@mail.tq.gov.vn:2525",
            {"EMAIL_HOST": "mail.tq.gov.vn", "EMAIL_PORT": 2525, "EMAIL_HOST_USER": "mailer@tq.gov.vn"},
        ),
        ("smtp://relay.local", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}),
        ("smtp://u:p@mail.tq.gov.vn?starttls=1", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        (
            "smtps://u:p@mail.tq.gov.vn",
            {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_HOST_PASSWORD": "p"},
        ),
        ("smtp://relay.local?timeout=3.5", {"EMAIL_TIMEOUT": 3.5}),
    ],
)
def test_email_url_becomes_django_email_settings(url, expected):
    assert _email_from_url(url).items() >= expected.items()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://u:hunter2@mail.tq.gov.vn", "the scheme must be smtp"),
        ("smtp://", "names no host"),
        ("smtp://u:hunter2@mail.tq.gov.vn:http", "the port must be a number"),
        ("smtps://u:hunter2@mail.tq.gov.vn?starttls=1", "already encrypts"),
        ("smtp://u:hunter2@mail.tq.gov.vn?tls=1", "unknown option 'tls'"),
        ("smtp://u:hunter2@mail.tq.gov.vn?timeout=soon", "timeout must be"),
    ],
)
def test_a_malformed_email_url_is_a_one_line_configuration_error(url, problem):
    with pytest.raises(ImproperlyConfigured) as caught:
        _email_from_url(url)

    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "hunter2" not in str(caught.value)  # the password never reaches a log
