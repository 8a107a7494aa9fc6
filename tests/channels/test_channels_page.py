"""The Channels page: every channel's state and a test send, for SMS (a real local gateway), email (a
real SMTP server), Zalo with an image and ZNS templates (the live emulator)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from caunoi.channels.models import SentMessage, ZnsTemplateRecord
from caunoi.core.models import AuditEvent
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def admin(personas):
    return login_as(Client(), personas.province_admin)


@pytest.fixture
def sms_gateway(settings, gateway):
    settings.CAUNOI_SMS_GATEWAY_URL = gateway.url
    settings.CAUNOI_SMS_MESSAGE_ID_PATH = "data.id"
    return gateway


def test_the_page_shows_every_channel_without_secrets(admin, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "https://user:gw-secret@sms.example.vn/send"
    settings.CAUNOI_SMS_DLR_SECRET = "dlr-secret-123"
    page = admin.get("/channels/").content.decode()
    for heading in ('id="zalo"', 'id="sms"', 'id="email"'):
        assert heading in page
    assert "sms.example.vn" in page
    assert "gw-secret" not in page and "dlr-secret-123" not in page


def test_the_sms_cost_is_shown_before_sending(admin):
    accented = admin.get(
        "/channels/sms/estimate/", {"text": "Đường ngập, bà con chú ý " * 3}
    ).content.decode()
    assert "UCS2" in accented and "2" in accented
    folded = admin.get(
        "/channels/sms/estimate/", {"text": "Đường ngập, bà con chú ý " * 3, "unaccented": "on"}
    ).content.decode()
    assert "GSM7" in folded


def test_a_test_sms_goes_to_the_gateway_once_and_is_recorded(admin, sms_gateway, personas):
    response = admin.post(
        "/channels/sms/test-send/", {"phone": "0912 345 678", "text": "Đường ngập", "unaccented": "on"}
    )
    assert response.status_code == 302
    assert len(sms_gateway.requests) == 1
    body = json.loads(sms_gateway.requests[0]["body"])
    assert body["to"] == "84912345678"
    assert body["text"] == "Duong ngap"  # folded as the officer asked
    sent = SentMessage.objects.get(channel="sms")
    assert sent.provider_message_id == "gw-1"
    province = personas.units["province"]
    assert AuditEvent.objects.filter(action="sms.test_send", unit_id=province.pk).count() == 1


def test_a_bad_phone_number_is_a_clear_error_and_nothing_is_sent(admin, sms_gateway):
    response = admin.post("/channels/sms/test-send/", {"phone": "12345", "text": "x"}, follow=True)
    assert (
        "Enter a Vietnamese mobile number." in response.content.decode()
        or "di động" in response.content.decode()
    )
    assert sms_gateway.requests == []
    assert not SentMessage.objects.exists()


def test_a_refused_sms_is_reported_and_not_recorded_as_sent(admin, sms_gateway):
    sms_gateway.reply = (400, {"error": "invalid sender"}, {})
    response = admin.post("/channels/sms/test-send/", {"phone": "0912345678", "text": "x"}, follow=True)
    assert "400" in response.content.decode()
    assert not SentMessage.objects.exists()
    assert AuditEvent.objects.filter(action="sms.test_send_failed").count() == 1


def test_a_test_email_reaches_the_smtp_server(admin, mailbox):
    response = admin.post("/channels/email/test-send/", {"address": "can.bo@tuyenquang.gov.vn"})
    assert response.status_code == 302
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]["message"]
    assert message["To"] == "can.bo@tuyenquang.gov.vn"
    assert message["List-Unsubscribe"]
    assert SentMessage.objects.filter(channel="email").count() == 1
    assert AuditEvent.objects.filter(action="email.test_send").count() == 1


def test_only_a_province_administrator_reaches_the_test_sends(personas, sms_gateway):
    officer = login_as(Client(), personas.commune_officer)
    assert officer.post("/channels/sms/test-send/", {"phone": "0912345678", "text": "x"}).status_code == 404
    assert sms_gateway.requests == []


@pytest.mark.django_db(transaction=True)
def test_zns_templates_are_fetched_and_given_a_purpose_from_the_page(zalo_live, personas):
    admin = login_as(Client(), personas.province_admin)
    account = zalo_live.account
    assert admin.post(f"/channels/zalo/{account.pk}/zns/sync/").status_code == 302
    template = ZnsTemplateRecord.objects.get(template_id="410003")
    page = admin.get("/channels/").content.decode()
    assert "410003" in page
    account.refresh_from_db()
    assert account.zns_quota_daily and account.zns_quota_remaining is not None

    admin.post(f"/channels/zalo/{account.pk}/zns/{template.pk}/purpose/", {"purpose": "news"})
    template.refresh_from_db()
    assert template.purpose == "news"
    other = login_as(Client(), personas.other_province_officer)
    assert other.post(
        f"/channels/zalo/{account.pk}/zns/{template.pk}/purpose/", {"purpose": ""}
    ).status_code in (
        403,
        404,
    )
    template.refresh_from_db()
    assert template.purpose == "news"


@pytest.mark.django_db(transaction=True)
def test_a_zalo_test_send_carries_an_uploaded_image_and_refuses_a_renamed_file(zalo_live, personas):
    admin = login_as(Client(), personas.province_admin)
    identity = zalo_live.followers_write_in(1)[0]
    url = f"/channels/zalo/{zalo_live.account.pk}/test-send/"

    fake = admin.post(
        url, {"identity": identity.pk, "text": "Ảnh", "image": _upload(b"GIF89a...", "anh.png")}
    )
    assert fake.status_code == 302
    assert zalo_live.sent_total() == 0

    real = admin.post(
        url, {"identity": identity.pk, "text": "Ảnh hiện trường", "image": _upload(PNG, "anh.png")}
    )
    assert real.status_code == 302
    assert zalo_live.sent_total() == 1
    kinds = {m.get("type") or m.get("kind") for m in zalo_live.admin("GET", "messages")["messages"]}
    assert kinds & {"image", "template"}, kinds


def _upload(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")
