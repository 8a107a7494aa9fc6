"""Zalo down must not lock officers out of a conversation: the page opens with Zalo shown as unavailable
for now (and why), the other channels are still offered, and a reply goes through Zalo again once it
answers. Against the live emulator, with the OA's access token expired so opening the page would have
to refresh it over the network."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from caunoi.channels.models import ZaloAccount, ZaloAccountStatus
from caunoi.citizens.models import Citizen, ConsentPurpose, ConsentSource
from caunoi.citizens.services import consent_grant
from caunoi.core.crypto import encrypt
from caunoi.core.errors import InvalidState
from caunoi.inbox.delivery import channel_options
from caunoi.inbox.models import Conversation, EntryKind
from caunoi.inbox.services import conversation_reply, conversations_ingest
from tests.conftest import login_as

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: connection refused
CONNECT_AGAIN = "The Zalo Official Account must be connected again by an administrator. Use another channel."
ZALO_DOWN = "Zalo cannot be reached right now. Try again in a few minutes, or use another channel."


def _conversation_with_email(zalo_live, personas) -> Conversation:
    """A follower who wrote on Zalo and also left an email they agreed we use to answer them."""
    identity = zalo_live.followers_write_in(1)[0]
    conversations_ingest()
    Citizen.objects.filter(pk=identity.citizen_id).update(email="follower@example.vn")
    consent_grant(
        citizen=identity.citizen,
        purpose=ConsentPurpose.FEEDBACK,
        source=ConsentSource.ZALO,
        actor=personas.province_admin,
    )
    ZaloAccount.objects.filter(pk=zalo_live.account.pk).update(
        access_expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    return Conversation.objects.select_related("citizen").get(citizen=identity.citizen)


def test_the_conversation_opens_with_zalo_unavailable_and_zalo_works_again_later(
    zalo_live, personas, settings
):
    conversation = _conversation_with_email(zalo_live, personas)
    settings.CAUNOI_ZALO_OAUTH_URL = settings.CAUNOI_ZALO_API_URL = UNREACHABLE
    client = login_as(Client(), personas.province_admin)

    page = client.get(f"/inbox/c/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="vi")

    assert page.status_code == 200
    html = page.content.decode()
    with override("vi"):
        reason = gettext(ZALO_DOWN)
    assert reason != ZALO_DOWN and reason in html  # said in the officer's language
    with override("en"):
        options = {o.kind: o for o in channel_options(conversation.citizen)}
        assert not options["zalo"].available and options["zalo"].reason == ZALO_DOWN
        assert options["email"].available, "the other channels are still offered"
        with pytest.raises(InvalidState) as refused:
            conversation_reply(
                conversation=conversation, text="Xin chào", channel="zalo", actor=personas.province_admin
            )
        assert ZALO_DOWN in refused.value.message and "Email" in refused.value.message
    assert ZaloAccount.objects.get(pk=zalo_live.account.pk).status == ZaloAccountStatus.CONNECTED

    settings.CAUNOI_ZALO_OAUTH_URL = settings.CAUNOI_ZALO_API_URL = zalo_live.url  # Zalo is back
    before = zalo_live.sent_total()
    entry = conversation_reply(
        conversation=conversation,
        text="Chào anh, chúng tôi đã nhận.",
        channel="zalo",
        actor=personas.province_admin,
    )

    assert entry.kind == EntryKind.REPLY and entry.channel == "zalo" and entry.sent is not None
    assert zalo_live.sent_total() == before + 1
    refreshed = ZaloAccount.objects.get(pk=zalo_live.account.pk).access_expires_at
    assert refreshed is not None and refreshed > timezone.now()


def test_a_refresh_token_zalo_refuses_says_the_oa_must_be_connected_again(zalo_live, personas):
    conversation = _conversation_with_email(zalo_live, personas)
    ZaloAccount.objects.filter(pk=zalo_live.account.pk).update(
        refresh_token_encrypted=encrypt("khong-hop-le")
    )

    page = login_as(Client(), personas.province_admin).get(f"/inbox/c/{conversation.pk}/")

    assert page.status_code == 200
    assert ZaloAccount.objects.get(pk=zalo_live.account.pk).status == ZaloAccountStatus.NEEDS_REAUTH
    with override("vi"):
        reason = gettext(CONNECT_AGAIN)
    assert reason != CONNECT_AGAIN and reason in page.content.decode()
    assert "follower@example.vn" in page.content.decode()
