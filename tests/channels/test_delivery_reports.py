"""POST /webhooks/sms and /webhooks/email-bounce: proved by a shared secret, stored once, applied later.

Requests go through the whole Django stack (test client); the queued task is taken from the real Huey
queue and executed as the consumer would, so what a test sees is what a running installation does.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.mail import get_connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from caunoi.channels.base import OutboundMessage, Recipient
from caunoi.channels.email import EmailChannel
from caunoi.channels.models import SentMessage, SentStatus, WebhookEvent

# Real commits: the task is queued by transaction.on_commit and run by Huey as the consumer runs it.
pytestmark = pytest.mark.django_db(transaction=True)

SMS_SECRET = "dlr-secret-0a1b2c"
BOUNCE_SECRET = "bounce-secret-9z8y7x"
SENT_AT = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.CAUNOI_SMS_DLR_SECRET = SMS_SECRET
    settings.CAUNOI_EMAIL_BOUNCE_SECRET = BOUNCE_SECRET
    settings.CAUNOI_EMAIL_FROM = "Cầu Nối Tuyên Quang <thongbao@caunoi.example.vn>"
    return settings


@pytest.fixture
def post(client):
    """POST raw bytes through the whole stack; what the view queues on commit goes into the Huey queue."""
    HUEY.flush()

    def send(path: str, body: bytes, content_type: str, headers: dict[str, str]):
        return client.post(path, data=body, content_type=content_type, headers=headers)

    yield send
    HUEY.flush()


def run_worker() -> int:
    """Execute every queued task, as the Huey consumer does; the number run."""
    ran = 0
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        ran += 1
    return ran


def sent_sms(provider_id: str = "gw-1", tracking_id: str = "d-42") -> SentMessage:
    return SentMessage.objects.create(
        channel="sms", provider_message_id=provider_id, tracking_id=tracking_id, sent_at=SENT_AT
    )


def report(post, body: dict | bytes, **headers: str):
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = headers or {"X-Caunoi-Secret": SMS_SECRET}
    content_type = "application/json" if isinstance(body, dict) else "application/x-www-form-urlencoded"
    return post("/webhooks/sms", raw, content_type, headers)


def problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# SMS delivery reports ----------------------------------------------------------------------------


def test_a_delivery_report_marks_the_sent_sms_delivered(post):
    sent = sent_sms()

    response = report(
        post,
        {"message_id": "gw-1", "status": "DELIVRD", "timestamp": "1795000000"},
        Authorization=f"Bearer {SMS_SECRET}",
    )

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    stored = WebhookEvent.objects.get()
    assert (stored.channel, stored.dedupe_key, stored.event_name) == (
        "sms",
        "sms-report:gw-1:delivrd",
        "delivered",
    )
    assert stored.payload == {"message_id": "gw-1", "status": "DELIVRD", "timestamp": "1795000000"}
    sent.refresh_from_db()
    assert sent.status == SentStatus.SENT  # acknowledged first, applied by the worker

    assert run_worker() == 1

    sent.refresh_from_db()
    assert sent.status == SentStatus.DELIVERED
    assert sent.delivered_at == dt.datetime.fromtimestamp(1795000000, tz=dt.UTC)
    stored.refresh_from_db()
    assert stored.processed_at is not None and stored.error == ""


def test_a_failed_report_in_form_encoding_fails_the_message_named_by_our_tracking_id(post):
    sent = sent_sms(provider_id="", tracking_id="d-9")  # the gateway gave no id when it accepted it

    response = report(post, b"ref=d-9&stat=UNDELIV&err=011")
    run_worker()

    assert response.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (SentStatus.FAILED, "011")


def test_a_repeated_report_is_acknowledged_and_applied_once(post):
    sent = sent_sms()
    first = {"message_id": "gw-1", "status": "DELIVRD", "timestamp": "1795000000"}
    assert report(post, first).json()["duplicate"] is False
    run_worker()

    again = report(post, first)
    later = report(post, {**first, "timestamp": "1795000900"})  # the same outcome, reported again

    assert again.status_code == later.status_code == 200
    assert again.json()["duplicate"] is True and later.json()["duplicate"] is True
    assert WebhookEvent.objects.count() == 1
    assert run_worker() == 0  # nothing queued for the repeats
    sent.refresh_from_db()
    assert sent.delivered_at == dt.datetime.fromtimestamp(1795000000, tz=dt.UTC)
    assert WebhookEvent.objects.get().attempts == 1


def test_an_interim_report_is_kept_and_changes_nothing(post):
    sent = sent_sms()

    report(post, {"id": "gw-1", "status": "ENROUTE"})
    run_worker()

    stored = WebhookEvent.objects.get()
    assert stored.event_name == "delivery_pending" and stored.processed_at is not None
    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at) == (SentStatus.SENT, None)


def test_a_report_for_a_message_we_never_sent_is_kept_and_ignored(post):
    sent = sent_sms()

    response = report(post, {"message_id": "gw-unknown", "status": "UNDELIV", "err": "001"})
    run_worker()

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is not None and stored.error == ""
    sent.refresh_from_db()
    assert sent.status == SentStatus.SENT


@pytest.mark.parametrize(
    ("headers", "configured"),
    [
        ({"X-Caunoi-Secret": "guess"}, SMS_SECRET),
        ({"Authorization": "Bearer guess"}, SMS_SECRET),
        ({"X-Unrelated": "1"}, SMS_SECRET),
        ({"X-Caunoi-Secret": ""}, ""),  # no secret configured: every report is refused
    ],
)
def test_a_report_without_the_shared_secret_is_401_and_nothing_is_stored(post, settings, headers, configured):
    settings.CAUNOI_SMS_DLR_SECRET = configured
    sent = sent_sms()

    response = report(post, {"message_id": "gw-1", "status": "DELIVRD"}, **headers)

    assert problem(response, 401)["status"] == 401
    assert not WebhookEvent.objects.exists()
    assert run_worker() == 0
    sent.refresh_from_db()
    assert sent.status == SentStatus.SENT


@pytest.mark.parametrize("body", [b"{not json", b'["gw-1"]', json.dumps({"status": "DELIVRD"}).encode()])
def test_a_malformed_report_is_400_and_nothing_is_stored(post, body):
    response = post("/webhooks/sms", body, "application/json", {"X-Caunoi-Secret": SMS_SECRET})

    assert problem(response, 400)["status"] == 400
    assert not WebhookEvent.objects.exists()


def test_a_report_with_an_impossible_timestamp_still_counts(post):
    sent = sent_sms()

    response = report(post, {"message_id": "gw-1", "status": "DELIVRD", "timestamp": "9" * 30})
    run_worker()

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == SentStatus.DELIVERED and sent.delivered_at is not None


def test_the_report_endpoints_take_only_post(client):
    assert client.get("/webhooks/sms").status_code == 405
    assert client.get("/webhooks/email-bounce").status_code == 405


# Email bounces -----------------------------------------------------------------------------------


def send_email(address: str = "khong.ton.tai@example.vn") -> tuple[SentMessage, str]:
    """Send through the real EmailChannel (to Django's in-memory outbox); the sent headers come back."""
    with EmailChannel(connection=get_connection("django.core.mail.backends.locmem.EmailBackend")) as email:
        result = email.send(
            OutboundMessage(
                recipient=Recipient(email=address),
                subject="Lịch tiêm chủng",
                text="Kính gửi bà con",
                tracking_id="d-17",
            )
        )
    assert result.ok
    sent = SentMessage.objects.create(
        channel="email",
        provider_message_id=result.provider_message_id,
        tracking_id="d-17",
        sent_at=timezone.now(),
    )
    headers = "".join(f"{name}: {value}\n" for name, value in mail.outbox[-1].message().items())
    return sent, headers


def dsn(
    original_headers: str,
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 <khong.ton.tai@example.vn>: User unknown",
    dsn_id: str = "<20261127021502.4F1A@mx.example.vn>",
) -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464)."""
    return f"""\
Return-Path: <>
Date: Fri, 27 Nov 2026 09:15:02 +0700 (ICT)
From: MAILER-DAEMON@mx.example.vn (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: thongbao@caunoi.example.vn
Message-Id: {dsn_id}
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


def bounce(post, raw: bytes, secret: str | None = BOUNCE_SECRET):
    headers = {"X-Caunoi-Secret": secret} if secret is not None else {}
    return post("/webhooks/email-bounce", raw, "message/rfc822", headers)


def test_a_hard_bounce_fails_the_email_we_sent_with_the_dsn_status(post):
    sent, headers = send_email()
    raw = dsn(headers)

    response = bounce(post, raw)

    assert response.status_code == 200
    assert response.json() == {"received": True, "stored": True}
    stored = WebhookEvent.objects.get()
    assert (stored.channel, stored.event_name) == ("email", "dsn_failed")
    assert stored.dedupe_key == "email-dsn:<20261127021502.4F1A@mx.example.vn>"
    assert stored.payload == {"dsn": raw.decode()}  # the DSN as it came, whole

    assert run_worker() == 1

    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (SentStatus.FAILED, "5.1.1")


def test_a_repeated_bounce_is_acknowledged_and_stored_once(post):
    sent, headers = send_email()
    raw = dsn(headers)

    responses = [bounce(post, raw) for _ in range(3)]
    run_worker()

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json()["stored"] for r in responses] == [True, False, False]
    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().attempts == 1
    sent.refresh_from_db()
    assert sent.status == SentStatus.FAILED


def test_a_bounce_for_a_message_we_do_not_know_is_stored_and_ignored(post):
    sent, _headers = send_email()
    foreign = "Message-ID: <someone-else@example.com>\nFrom: a@example.com\nSubject: x\n"

    response = bounce(post, dsn(foreign))
    run_worker()

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is not None and stored.error == ""
    sent.refresh_from_db()
    assert sent.status == SentStatus.SENT


def test_a_delay_notice_is_kept_but_the_message_is_not_failed_yet(post):
    sent, headers = send_email()

    bounce(post, dsn(headers, action="delayed", status="4.4.1", diagnostic="connect timed out"))
    run_worker()

    assert WebhookEvent.objects.get().event_name == "dsn_delayed"
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (SentStatus.SENT, "")  # the MTA is still trying


def test_a_success_notice_marks_the_email_delivered(post):
    sent, headers = send_email("ba.con@example.vn")

    bounce(post, dsn(headers, action="delivered", status="2.0.0", diagnostic="250 OK"))
    run_worker()

    sent.refresh_from_db()
    assert sent.status == SentStatus.DELIVERED and sent.delivered_at is not None


def test_a_dsn_with_bytes_that_are_not_utf8_is_kept_losslessly_and_applied(post):
    sent, headers = send_email()
    raw = dsn(headers + "X-Legacy: caf\xe9\n").replace("café".encode(), b"caf\xe9")  # latin-1 from an old MTA

    bounce(post, raw)
    run_worker()

    stored = WebhookEvent.objects.get()
    assert "dsn" not in stored.payload and stored.payload["dsn_base64"]
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (SentStatus.FAILED, "5.1.1")


def test_a_dsn_with_8bit_junk_in_its_dates_is_still_applied(post):
    sent, headers = send_email()
    raw = (
        dsn(headers)
        .replace(b"Date: Fri, 27 Nov 2026 09:15:02", b"Date: Th\xff 6, 27/11/2026")
        .replace(b"Arrival-Date: Fri, 27 Nov 2026 09:15:01", b"Arrival-Date: h\xf4m nay")
    )

    response = bounce(post, raw)
    run_worker()

    assert response.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (SentStatus.FAILED, "5.1.1")


def test_mail_that_is_not_a_dsn_is_acknowledged_and_dropped(post):
    auto_reply = (
        b"From: a@example.vn\r\nSubject: Out of office\r\nContent-Type: text/plain\r\n\r\nToi di vang.\r\n"
    )

    response = bounce(post, auto_reply)

    assert response.status_code == 200
    assert response.json() == {"received": True, "stored": False}
    assert not WebhookEvent.objects.exists()
    assert run_worker() == 0


@pytest.mark.parametrize(
    ("offered", "configured"), [("guess", BOUNCE_SECRET), (None, BOUNCE_SECRET), ("", "")]
)
def test_a_bounce_without_the_shared_secret_is_401_and_nothing_is_stored(post, settings, offered, configured):
    settings.CAUNOI_EMAIL_BOUNCE_SECRET = configured
    sent, headers = send_email()

    response = bounce(post, dsn(headers), secret=offered)

    assert problem(response, 401)["status"] == 401
    assert not WebhookEvent.objects.exists()
    sent.refresh_from_db()
    assert sent.status == SentStatus.SENT
