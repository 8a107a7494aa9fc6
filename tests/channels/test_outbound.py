"""Sending to a citizen through a channel session, and the ZNS template registry, against the emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from caunoi.channels.base import ChannelKind, ErrorClass, OutboundMessage, Recipient, SendError, SendResult
from caunoi.channels.models import SentMessage, ZnsTemplateRecord
from caunoi.channels.outbound import ChannelSession, recipient_for, sent_message_record, zalo_identity_for
from caunoi.channels.services import (
    zalo_followers_backfill,
    zalo_tag_sync,
    zns_template_purpose_set,
    zns_templates,
    zns_templates_sync,
)
from caunoi.core.errors import ValidationFailed
from caunoi.core.models import AuditEvent
from tests.zalo_live import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_session_sends_to_followers_and_the_receipts_reach_the_sent_rows(zalo_live):
    identities = zalo_live.followers_write_in(3)
    with ChannelSession(ChannelKind.ZALO, account=zalo_live.account) as session:
        for n, identity in enumerate(identities):
            recipient = recipient_for(identity.citizen, identity)
            assert session.eligibility(recipient).eligible
            result = session.send(OutboundMessage(recipient=recipient, text=f"Thông báo số {n}"))
            assert result.ok, result.error
            sent_message_record(
                kind=ChannelKind.ZALO,
                result=result,
                tracking_id=f"d{n}",
                account=zalo_live.account,
                identity=identity,
            )

    assert zalo_live.sent_total() == 3

    def all_seen() -> bool:
        zalo_live.process_webhooks()
        return SentMessage.objects.filter(status="seen").count() == 3

    wait_until(all_seen)
    assert set(SentMessage.objects.values_list("tracking_id", flat=True)) == {"d0", "d1", "d2"}


def test_a_token_expired_mid_batch_is_refreshed_once_and_the_batch_goes_on(zalo_live):
    identities = zalo_live.followers_write_in(2)
    old_refresh = zalo_live.account.refresh_token_encrypted
    with ChannelSession(ChannelKind.ZALO, account=zalo_live.account) as session:
        first = session.send(
            OutboundMessage(recipient=recipient_for(identities[0].citizen, identities[0]), text="1")
        )
        zalo_live.admin("POST", "faults", json={"expire_tokens": True})
        second = session.send(
            OutboundMessage(recipient=recipient_for(identities[1].citizen, identities[1]), text="2")
        )

    assert first.ok and second.ok
    zalo_live.account.refresh_from_db()
    assert zalo_live.account.refresh_token_encrypted != old_refresh
    assert zalo_live.sent_total() == 2  # the refused attempt was not delivered; nothing went twice


def test_the_zalo_identity_is_the_most_recently_active_one(zalo_live):
    identity = zalo_live.followers_write_in(1)[0]
    assert zalo_identity_for(identity.citizen) == identity


def test_a_recipient_without_a_zalo_id_is_a_permanent_failure_not_a_crash(zalo_live):
    with ChannelSession(ChannelKind.ZALO, account=zalo_live.account) as session:
        result = session.send(OutboundMessage(recipient=Recipient(phone="84912345678"), text="x"))
    assert result.error is not None and result.error.error_class == ErrorClass.PERMANENT


def test_only_an_accepted_message_is_recorded():
    with pytest.raises(ValueError, match="accepted"):
        sent_message_record(
            kind=ChannelKind.SMS,
            result=SendResult(error=SendError(ErrorClass.PERMANENT, "400", "bad")),
        )


def test_a_gateway_without_ids_is_followed_by_our_tracking_id():
    sent = sent_message_record(kind=ChannelKind.SMS, result=SendResult(), tracking_id="delivery-7")
    again = sent_message_record(kind=ChannelKind.SMS, result=SendResult(), tracking_id="delivery-7")
    assert sent.pk == again.pk
    assert sent.provider_message_id == "tracking:delivery-7"


def test_the_zns_registry_syncs_keeps_purposes_and_sends_only_templates_with_a_purpose(zalo_live):
    records = zns_templates_sync(account=zalo_live.account, actor=None)

    assert len(records) == 4
    alert = ZnsTemplateRecord.objects.get(template_id="410003")
    assert alert.params and all(isinstance(v, int) and v > 0 for v in alert.params.values())
    assert alert.price_vnd > Decimal(0)
    assert zns_templates(account=zalo_live.account) == []  # no purpose yet: nothing may be sent

    zns_template_purpose_set(template=alert, purpose="news", actor=None)
    zns_templates_sync(account=zalo_live.account, actor=None)  # a second sync keeps the purpose
    usable = zns_templates(account=zalo_live.account)
    assert [t.id for t in usable] == ["410003"]
    assert usable[0].purpose == "news"
    assert AuditEvent.objects.filter(action="zns.templates_sync").count() == 2
    assert AuditEvent.objects.filter(action="zns.template_purpose").count() == 1

    with pytest.raises(ValidationFailed):
        zns_template_purpose_set(template=alert, purpose="politics", actor=None)


def test_zns_sends_a_registered_template_by_phone(zalo_live):
    zns_templates_sync(account=zalo_live.account, actor=None)
    alert = ZnsTemplateRecord.objects.get(template_id="410003")
    zns_template_purpose_set(template=alert, purpose="news", actor=None)
    params = {name: "Xã Hà Giang 1"[:limit] for name, limit in alert.params.items()}
    with ChannelSession(ChannelKind.ZNS, account=zalo_live.account) as session:
        result = session.send(
            OutboundMessage(
                recipient=Recipient(phone="0912 345 678"),
                template_id="410003",
                template_params=params,
                tracking_id="alert-1",
            )
        )
    assert result.ok, result.error
    assert result.provider_message_id


def test_a_tag_follows_the_segment_it_mirrors_and_a_second_sync_changes_nothing(zalo_live):
    zalo_followers_backfill(account=zalo_live.account, actor=None)  # who follows: only followers are tagged
    identities = zalo_live.followers_write_in(4)[:4]
    assert all(i.follows for i in identities)
    first = [i.citizen_id for i in identities[:3]]

    done = zalo_tag_sync(account=zalo_live.account, tag="Hộ nghèo Hà Giang 1", citizen_ids=first, actor=None)
    assert (done.added, done.removed, done.failed) == (3, 0, 0)

    second = [i.citizen_id for i in identities[1:]]
    moved = zalo_tag_sync(
        account=zalo_live.account, tag="Hộ nghèo Hà Giang 1", citizen_ids=second, actor=None
    )
    assert (moved.added, moved.removed) == (1, 1)
    again = zalo_tag_sync(
        account=zalo_live.account, tag="Hộ nghèo Hà Giang 1", citizen_ids=second, actor=None
    )
    assert (again.added, again.removed) == (0, 0)

    followers = {f["user_id"]: f for f in zalo_live.admin("GET", "followers")["followers"]}
    tagged = {uid for uid, f in followers.items() if "Hộ nghèo Hà Giang 1" in f.get("tags", [])}
    assert tagged == {i.external_id for i in identities[1:]}
    assert AuditEvent.objects.filter(action="zalo.tag_sync").count() == 3


def test_a_tag_name_zalo_would_refuse_is_refused_here(zalo_live):
    with pytest.raises(ValidationFailed):
        zalo_tag_sync(account=zalo_live.account, tag=" ", citizen_ids=[], actor=None)
