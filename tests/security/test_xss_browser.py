"""Stored XSS, checked in a real browser: payloads arrive through five doors — a citizen's Zalo message
(a signed webhook), a petition (phản ánh), the public contact form typed by a resident, a comment on a
public disclosure (công khai) and the title of a "Dân vận khéo" model — and every staff and public page
that shows them is opened in Chromium.

On every page: no script ran (``window.__xss`` never set, no dialog opened), no Content-Security-Policy
violation was reported (the ``page`` fixture of tests/e2e/conftest.py fails the test on one), and the
payload is visible as literal text. tests/e2e/test_inbox.py covers markup in citizens' names and
attachment names in the inbox. The browser fixtures (``page``, ``sign_in``, ``officer``…) are those of
tests/e2e/conftest.py, imported by tests/security/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Dialog, Page, expect

from caunoi.channels.models import WebhookEvent, ZaloAccount
from caunoi.channels.services import webhook_event_process
from caunoi.channels.zalo.emulator import config as zalo_defaults
from caunoi.channels.zalo.emulator.webhooks import signature
from caunoi.core import crypto
from caunoi.disclosure.models import Comment
from caunoi.disclosure.services import comment_moderate, comment_submit, publication_publish
from caunoi.inbox.models import Conversation, PetitionSource
from caunoi.inbox.services import conversations_ingest, petition_create
from caunoi.practices.services import practice_create

pytestmark = pytest.mark.e2e

PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'


def _zalo_message(settings: Any, commune: Any, text: str) -> None:
    settings.CAUNOI_ZALO_APP_ID = zalo_defaults.DEFAULT_APP_ID
    settings.CAUNOI_ZALO_OA_SECRET_KEY = zalo_defaults.DEFAULT_OA_SECRET_KEY
    settings.CAUNOI_ZALO_WEBHOOK_SIGNER = "oa"
    ZaloAccount.objects.create(  # a token valid for a day: the conversation page needs no refresh
        unit=commune,
        oa_id=zalo_defaults.DEFAULT_OA_ID,
        app_id=zalo_defaults.DEFAULT_APP_ID,
        access_token_encrypted=crypto.encrypt("emulator-access-token"),
        refresh_token_encrypted=crypto.encrypt("emulator-refresh-token"),
        access_expires_at=timezone.now() + dt.timedelta(days=1),
        refresh_expires_at=timezone.now() + dt.timedelta(days=90),
    )
    event: dict[str, Any] = {
        "app_id": zalo_defaults.DEFAULT_APP_ID,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": "7712345678901234567"},
        "recipient": {"id": zalo_defaults.DEFAULT_OA_ID},
        "message": {"msg_id": "xss-1", "text": text},
    }
    raw = json.dumps(event).encode()
    mac = signature(
        zalo_defaults.DEFAULT_APP_ID, raw, event["timestamp"], zalo_defaults.DEFAULT_OA_SECRET_KEY
    )
    response = Client().post(
        "/webhooks/zalo", data=raw, content_type="application/json", headers={"X-ZEvent-Signature": mac}
    )
    assert response.status_code == 200
    for stored in WebhookEvent.objects.filter(processed_at__isnull=True):
        webhook_event_process(stored=stored)


def _inert(page: Page, url: str, *texts: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    for text in texts:
        expect(page.locator("main").first).to_contain_text(text)
    assert page.evaluate("window.__xss") is None, url


def test_stored_payloads_are_shown_as_text_on_every_page_and_never_run(
    page: Page, live_server: Any, officer: Any, commune: Any, sign_in: Any, settings: Any, monkeypatch: Any
) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    monkeypatch.setattr("caunoi.channels.web.MIN_FILL_SECONDS", 0.0)  # the resident below types fast

    # 1. A resident writes through the public contact form of the ward, in the browser.
    page.goto(f"{live_server.url}/p/{commune.code}/contact/")
    page.locator("textarea[name=text]").fill(f"Góp ý {PAYLOAD}")
    page.locator("input[name=display_name]").fill(f"Dân phố {PAYLOAD}")
    page.locator("input[name=consent_feedback]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/contact/sent/**")
    assert page.evaluate("window.__xss") is None

    # 2. A citizen writes on Zalo (a signed webhook); 3. the officer records a petition.
    _zalo_message(settings, commune, f"Zalo {PAYLOAD}")
    conversations_ingest()
    web_conversation = Conversation.objects.filter(last_channel="web").first()
    zalo_conversation = Conversation.objects.filter(last_channel="zalo").first()
    assert web_conversation is not None and zalo_conversation is not None
    petition = petition_create(
        citizen=zalo_conversation.citizen,
        title=f"Cống tắc {PAYLOAD}",
        text=f"Nước tràn {PAYLOAD}",
        commune=commune,
        source=PetitionSource.ZALO,
        actor=officer,
        conversation=zalo_conversation,
    )

    # 4. A comment on a public disclosure, approved by the officer; 5. a model titled with the payload.
    publication = publication_publish(
        unit=commune,
        category="plans",
        title="Kế hoạch làm đường thôn",
        body="Dự kiến khởi công tháng 12.",
        actor=officer,
    )
    comment = comment_submit(
        publication=publication,
        display_name="Dân <b>phố</b><script>",
        text=f"Ý kiến {PAYLOAD}",
        client_address="10.0.0.9",
    )
    practice = practice_create(
        unit=commune,
        year=2026,
        title=f"Mô hình {PAYLOAD}",
        field="economy",
        people_in_charge="Hội Nông dân phường",
        started_on=dt.date(2026, 3, 1),
        problem="Đường nội đồng lầy lội.",
        method="Dân góp công, xã hỗ trợ xi măng.",
        actor=officer,
    )

    sign_in(officer)
    base = live_server.url
    _inert(page, f"{base}/inbox/", "<script>window.__xss=1</script>")
    _inert(page, f"{base}/inbox/c/{web_conversation.pk}/", f"Góp ý {PAYLOAD}")
    _inert(page, f"{base}/inbox/c/{zalo_conversation.pk}/", f"Zalo {PAYLOAD}")
    _inert(page, f"{base}/inbox/petitions/", f"Cống tắc {PAYLOAD}")
    _inert(page, f"{base}/inbox/petitions/{petition.pk}/", f"Cống tắc {PAYLOAD}", f"Nước tràn {PAYLOAD}")
    _inert(page, f"{base}/disclosure/moderation/", f"Ý kiến {PAYLOAD}")
    comment_moderate(comment=Comment.objects.get(pk=comment.pk), approve=True, actor=officer)
    _inert(page, f"{base}/practices/", f"Mô hình {PAYLOAD}")
    _inert(page, f"{base}/practices/{practice.pk}/", f"Mô hình {PAYLOAD}")

    # The public side, signed out: the tracking page and the disclosure board with the comment.
    page.context.clear_cookies()
    _inert(page, f"{base}/track/{petition.reference}/", petition.reference)
    _inert(
        page,
        f"{base}/cong-khai/{commune.code}/{publication.pk}/",
        f"Ý kiến {PAYLOAD}",
        "Dân <b>phố</b><script>",
    )

    assert dialogs == []
