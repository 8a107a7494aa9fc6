"""POST /webhooks/zalo: verified, stored once, acknowledged at once, processed idempotently.

The events come from the real Zalo emulator: its driver signs them the way Zalo does and posts them
to the live server, retrying like Zalo. Processing is then run as the worker runs it.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from django.test import Client

from caunoi.channels.models import ChannelIdentity, InboundMessage, SentMessage, WebhookEvent, ZaloAccount
from caunoi.channels.services import webhook_event_process
from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from caunoi.channels.zalo.emulator import config as defaults
from caunoi.channels.zalo.emulator.webhooks import signature
from caunoi.citizens.models import Citizen, ConsentPurpose
from caunoi.citizens.services import citizen_erase, citizen_export
from caunoi.core.models import AuditEvent
from tests.conftest import ensure_units
from tests.zalo_live import connect_account

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def zalo_settings(settings):
    settings.CAUNOI_ZALO_APP_ID = defaults.DEFAULT_APP_ID
    settings.CAUNOI_ZALO_APP_SECRET = defaults.DEFAULT_APP_SECRET
    settings.CAUNOI_ZALO_OA_SECRET_KEY = defaults.DEFAULT_OA_SECRET_KEY
    settings.CAUNOI_ZALO_WEBHOOK_SIGNER = "oa"
    return settings


@pytest.fixture
def account(zalo_settings):
    ensure_units()
    from caunoi.geo.models import Unit

    return ZaloAccount.objects.create(
        unit=Unit.objects.get(code="08"), oa_id=defaults.DEFAULT_OA_ID, app_id=defaults.DEFAULT_APP_ID
    )


@pytest.fixture
def emulator(live_server, account):
    emulator = ZaloEmulator(
        EmulatorConfig(
            followers=20,
            seed=3,
            seen_share=1.0,  # every test message is read, so the test never waits on chance
            webhook_url=f"{live_server.url}/webhooks/zalo",
            time_factor=10_000,
        )
    ).start()
    yield emulator
    emulator.stop()


def signed(payload: dict, *, secret: str = defaults.DEFAULT_OA_SECRET_KEY) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload).encode()
    mac = signature(defaults.DEFAULT_APP_ID, raw, str(payload["timestamp"]), secret)
    return raw, {"X-ZEvent-Signature": mac}


def text_event(
    user_id: str = "1234567890123456789", msg_id: str = "a1b2c3", text: str = "Đường bị sạt lở"
) -> dict:
    return {
        "app_id": defaults.DEFAULT_APP_ID,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": user_id},
        "recipient": {"id": defaults.DEFAULT_OA_ID},
        "message": {"msg_id": msg_id, "text": text},
    }


def process_all() -> int:
    pending = list(WebhookEvent.objects.filter(processed_at__isnull=True).order_by("received_at"))
    for stored in pending:
        webhook_event_process(stored=stored)
    return len(pending)


def post(client: Client, raw: bytes, headers: dict[str, str]):
    return client.post("/webhooks/zalo", data=raw, content_type="application/json", headers=headers)


def test_a_signed_message_is_stored_once_even_when_zalo_retries(account, client):
    raw, headers = signed(text_event())

    first = post(client, raw, headers)
    again = post(client, raw, {**headers, "num_retry": "1"})

    assert first.status_code == again.status_code == 200
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert WebhookEvent.objects.count() == 1
    assert process_all() == 1
    message = InboundMessage.objects.get()
    assert message.text == "Đường bị sạt lở"
    assert message.citizen.home_unit.code == "08"  # commune not known yet: the province's queue
    assert ChannelIdentity.objects.get().last_interaction_at is not None


def test_a_signed_message_holding_a_nul_character_is_kept_with_the_character_marked(account, client):
    # PostgreSQL cannot store U+0000; refusing the event would make Zalo retry it forever.
    raw, headers = signed(text_event(msg_id="nul\u0000id", text="Cầu\u0000 bị sập"))

    assert post(client, raw, headers).status_code == 200
    assert process_all() == 1
    assert InboundMessage.objects.get().text == "Cầu\ufffd bị sập"


@pytest.mark.parametrize(
    ("mangle", "status"),
    [
        ("missing", 401),
        ("wrong-secret", 401),
        ("stale", 401),
        ("not-json", 400),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_stored(account, client, mangle, status):
    event = text_event()
    if mangle == "stale":
        event["timestamp"] = str(int((time.time() - 4 * 3600) * 1000))
    raw, headers = signed(
        event, secret="not-the-secret" if mangle == "wrong-secret" else defaults.DEFAULT_OA_SECRET_KEY
    )
    if mangle == "missing":
        headers = {}
    if mangle == "not-json":
        raw = b"{not json"

    response = post(client, raw, headers)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert not WebhookEvent.objects.exists()
    assert not InboundMessage.objects.exists()


def test_an_unknown_event_is_kept_raw_and_ignored(account, client):
    event = {**text_event(), "event_name": "user_did_something_new"}
    raw, headers = signed(event)

    assert post(client, raw, headers).status_code == 200
    process_all()

    stored = WebhookEvent.objects.get()
    assert stored.payload["event_name"] == "user_did_something_new"
    assert stored.processed_at is not None and stored.error == ""
    assert not InboundMessage.objects.exists()


def test_processing_twice_changes_nothing(account, client):
    raw, headers = signed(text_event())
    post(client, raw, headers)
    stored = WebhookEvent.objects.get()

    webhook_event_process(stored=stored)
    stored.processed_at = None  # as if a second task ran from a stale copy
    webhook_event_process(stored=stored)

    assert InboundMessage.objects.count() == 1
    assert Citizen.objects.count() == 1


def test_follow_gives_news_consent_and_unfollow_withdraws_it(account, client):
    base = {
        "oa_id": defaults.DEFAULT_OA_ID,
        "follower": {"id": "555000111222333444"},
        "timestamp": str(int(time.time() * 1000)),
    }
    post(client, *signed({**base, "event_name": "follow"}))
    process_all()
    citizen = Citizen.objects.get()
    assert citizen.consents.active().filter(purpose=ConsentPurpose.NEWS, source="zalo").exists()
    assert ChannelIdentity.objects.get().follows

    later = {**base, "timestamp": str(int(time.time() * 1000) + 1000)}
    post(client, *signed({**later, "event_name": "unfollow"}))
    process_all()

    assert not citizen.consents.active().exists()
    assert not ChannelIdentity.objects.get().follows


def test_received_and_seen_update_what_we_sent(account, client):
    SentMessage.objects.create(
        channel="zalo", account=account, provider_message_id="m-42", sent_at="2026-11-27T01:00:00Z"
    )
    now = int(time.time() * 1000)
    received = {
        "app_id": defaults.DEFAULT_APP_ID,
        "event_name": "user_received_message",
        "timestamp": str(now),
        "sender": {"id": "777"},
        "recipient": {"id": defaults.DEFAULT_OA_ID},
        "message": {"msg_id": "m-42"},
    }
    seen = {
        **received,
        "event_name": "user_seen_message",
        "timestamp": str(now + 500),
        "message": {"msg_ids": ["m-42"]},
    }

    post(client, *signed(received))
    post(client, *signed(seen))
    process_all()

    sent = SentMessage.objects.get()
    assert sent.status == "seen"
    assert sent.delivered_at is not None and sent.seen_at is not None


def test_submit_info_fills_the_shared_contact_fields(account, client):
    post(client, *signed(text_event(user_id="99")))
    event = {
        "app_id": defaults.DEFAULT_APP_ID,
        "event_name": "user_submit_info",
        "timestamp": str(int(time.time() * 1000) + 10),
        "sender": {"id": "99"},
        "recipient": {"id": defaults.DEFAULT_OA_ID},
        "info": {"name": "Hoàng Văn Nam", "phone": "0912345678", "address": "Thôn Nà Khà"},
    }
    post(client, *signed(event))
    process_all()

    citizen = Citizen.objects.get()
    assert (citizen.display_name, citizen.phone) == ("Hoàng Văn Nam", "84912345678")


def test_export_and_erase_cover_zalo_ids_and_messages(account, client):
    post(client, *signed(text_event(text="Nhà tôi bị ngập")))
    process_all()
    citizen = Citizen.objects.get()

    exported = citizen_export(citizen=citizen, actor=None)
    assert exported["channels"]["messages"][0]["text"] == "Nhà tôi bị ngập"
    assert exported["channels"]["identities"][0]["channel"] == "zalo"

    citizen_erase(citizen=citizen, actor=None, reason="test")

    assert not ChannelIdentity.objects.exists()
    assert InboundMessage.objects.get().text == ""  # the row stays, so counts do not change


def test_the_emulators_citizens_write_in_and_every_event_arrives_once(emulator, account):
    drive = httpx.post(
        f"{emulator.url}/_admin/drive",
        json={"events": 40, "rate_per_second": 200, "kinds": {"user_send_text": 1}, "wait": True},
        timeout=30,
    )
    assert drive.status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and WebhookEvent.objects.count() < 40:
        time.sleep(0.1)

    assert WebhookEvent.objects.count() == 40
    process_all()
    assert InboundMessage.objects.count() == 40
    assert all(m.text for m in InboundMessage.objects.all())


# Connecting the OA through the emulator's OAuth page, then a test send that is delivered and seen ---


@pytest.fixture
def emulator_settings(zalo_settings, emulator):
    zalo_settings.CAUNOI_ZALO_OAUTH_URL = emulator.url
    zalo_settings.CAUNOI_ZALO_API_URL = emulator.url
    return zalo_settings


def test_an_officer_connects_the_oa_and_a_test_message_is_delivered_then_seen(
    emulator_settings, emulator, live_server
):
    from django.test import Client as DjangoClient

    from caunoi.accounts.models import RoleAssignment, User
    from caunoi.geo.models import Unit
    from tests.conftest import login_as

    ZaloAccount.objects.all().delete()  # connect from scratch
    admin = User.objects.create_user(username="tinh.admin", password="x-correct-horse-42")
    RoleAssignment.objects.create(user=admin, role="province_admin", unit=Unit.objects.get(code="08"))
    browser = login_as(DjangoClient(), admin)

    start = browser.post("/channels/zalo/connect/", {"unit": Unit.objects.get(code="08").pk})
    assert start.status_code == 302 and start["Location"].startswith(emulator.url)
    # The OA admin presses "Cho phép" on Zalo's page; Zalo redirects back with a single-use code.
    consent_url = httpx.URL(start["Location"])
    page = httpx.get(consent_url)
    assert page.status_code == 200 and "Cho phép" in page.text
    allow = httpx.post(f"{emulator.url}/v4/oa/permission", data=dict(consent_url.params))
    back = allow.headers["location"]
    assert "/channels/zalo/callback/" in back
    done = browser.get("/channels/zalo/callback/?" + back.split("?", 1)[1])
    assert done.status_code == 302
    account = ZaloAccount.objects.get()
    assert account.status == "connected" and account.access_token_encrypted
    assert account.access_token_encrypted.startswith("gAAAA")  # Fernet: stored encrypted, not as issued

    # A follower writes in, so the consultation window is open; then the officer test-sends.
    httpx.post(
        f"{emulator.url}/_admin/drive",
        json={"events": 1, "rate_per_second": 100, "kinds": {"user_send_text": 1}, "wait": True},
        timeout=10,
    )
    deadline = time.monotonic() + 30
    while not WebhookEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process_all()
    identity = ChannelIdentity.objects.get()
    sent = browser.post(
        f"/channels/zalo/{account.pk}/test-send/", {"identity": identity.pk, "text": "Xin chào"}
    )
    assert sent.status_code == 302
    message = SentMessage.objects.get()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        process_all()
        message.refresh_from_db()
        if message.status == "seen":
            break
        time.sleep(0.1)
    assert message.delivered_at is not None
    assert message.status == "seen"
    assert httpx.get(f"{emulator.url}/_admin/messages").json()["total"] == 1  # sent exactly once


def _connect(emulator) -> ZaloAccount:
    """Connect the OA from scratch, as the Channels page does, through the emulator's consent step."""
    from caunoi.geo.models import Unit

    ZaloAccount.objects.all().delete()
    return connect_account(emulator.url, Unit.objects.get(code="08"))


def test_a_token_that_expired_mid_way_is_refreshed_and_the_send_goes_through(emulator_settings, emulator):
    from caunoi.channels.services import zalo_test_send

    account = _connect(emulator)
    httpx.post(
        f"{emulator.url}/_admin/drive",
        json={"events": 1, "rate_per_second": 100, "kinds": {"user_send_text": 1}, "wait": True},
        timeout=10,
    )
    deadline = time.monotonic() + 30
    while not WebhookEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process_all()
    old_refresh = account.refresh_token_encrypted
    httpx.post(f"{emulator.url}/_admin/faults", json={"expire_tokens": True})

    sent = zalo_test_send(
        account=account, identity=ChannelIdentity.objects.get(), text="Xin chào", actor=None
    )

    account.refresh_from_db()
    assert sent.provider_message_id
    assert account.refresh_token_encrypted != old_refresh  # rotated, and the new one kept
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "zalo.connect",
        "zalo.token_refresh",
        "zalo.test_send",
    }
    assert httpx.get(f"{emulator.url}/_admin/messages").json()["total"] == 1


def test_the_follower_list_backfills_identities_without_inventing_consent(emulator_settings, emulator):
    from caunoi.channels.services import zalo_followers_backfill

    account = _connect(emulator)

    known = zalo_followers_backfill(account=account, actor=None)

    assert known == ChannelIdentity.objects.filter(account=account, follows=True).count() > 0
    assert not Citizen.objects.filter(consents__isnull=False).exists()
    assert zalo_followers_backfill(account=account, actor=None) == known  # twice: no duplicates
    assert ChannelIdentity.objects.count() == known
    assert AuditEvent.objects.filter(action="zalo.followers_backfill", unit_id=account.unit_id).count() == 2


def test_a_seen_report_that_arrives_first_also_counts_as_delivered(account, client):
    SentMessage.objects.create(
        channel="zalo", account=account, provider_message_id="m-7", sent_at="2026-11-27T01:00:00Z"
    )
    now = int(time.time() * 1000)
    seen = {
        "app_id": defaults.DEFAULT_APP_ID,
        "event_name": "user_seen_message",
        "timestamp": str(now),
        "sender": {"id": "777"},
        "recipient": {"id": defaults.DEFAULT_OA_ID},
        "message": {"msg_ids": ["m-7"]},
    }
    post(client, *signed(seen))
    process_all()

    sent = SentMessage.objects.get()
    assert sent.status == "seen"
    assert sent.delivered_at == sent.seen_at is not None
