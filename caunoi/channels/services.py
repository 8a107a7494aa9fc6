"""Channel write use-cases: take a webhook in, and turn each stored event into citizens' data.

Receiving and processing are split on purpose. ``zalo_webhook_receive`` only verifies, stores the
raw event once and queues its processing, so Zalo gets its HTTP 200 well within 2 s and a retry of
the same event is a no-op. ``webhook_event_process`` does the rest in the worker and is idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.channels.base import ChannelKind, InboundEvent, InboundKind
from caunoi.channels.models import (
    ChannelIdentity,
    InboundMessage,
    SentMessage,
    SentStatus,
    WebhookEvent,
    ZaloAccount,
)
from caunoi.channels.zalo import events as zalo_events
from caunoi.channels.zalo import signature
from caunoi.citizens.models import Citizen, ConsentPurpose, ConsentSource
from caunoi.citizens.services import citizen_create, citizen_touch, consent_grant, consent_withdraw
from caunoi.core.errors import ApplicationError, InvalidState, ValidationFailed
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.queue import enqueue_on_commit
from caunoi.core.services import audit_record
from caunoi.core.text import nfc


class WebhookRejected(ApplicationError):
    """The request does not prove it comes from Zalo (bad, missing or stale signature)."""

    status = 401


def _signing_secret() -> str:
    if settings.CAUNOI_ZALO_WEBHOOK_SIGNER == "app":
        return str(settings.CAUNOI_ZALO_APP_SECRET)
    return str(settings.CAUNOI_ZALO_OA_SECRET_KEY)


def _oa_id(payload: Mapping[str, Any]) -> str:
    """The OA an event concerns: the recipient of what users send, the sender of what the OA sends."""
    if payload.get("oa_id"):
        return str(payload["oa_id"])
    name = str(payload.get("event_name", ""))
    party = payload.get("sender") if name.startswith("oa_send_") else payload.get("recipient")
    return str(party.get("id", "")) if isinstance(party, Mapping) else ""


def zalo_webhook_receive(*, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
    """Verify and store one Zalo webhook; ``None`` when it is a retry of an event already stored."""
    if not settings.CAUNOI_ZALO_APP_ID or not _signing_secret():
        raise InvalidState(_("Zalo is not configured on this installation."))
    try:
        verified = signature.verify(
            raw_body,
            headers,
            app_id=settings.CAUNOI_ZALO_APP_ID,
            secret=_signing_secret(),
            max_age_seconds=settings.CAUNOI_ZALO_WEBHOOK_MAX_AGE_SECONDS,
        )
    except signature.MalformedPayload as exc:
        raise ValidationFailed(str(exc), field="body") from None
    except signature.SignatureError as exc:
        raise WebhookRejected(str(exc)) from None
    payload = verified.payload
    event = zalo_events.parse_event(payload)
    account = ZaloAccount.objects.filter(oa_id=_oa_id(payload)).first()
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                channel=event.channel,
                account=account,
                dedupe_key=event.external_event_id[:128],
                event_name=str(payload.get("event_name", ""))[:64],
                payload=payload,
            )
            if account is not None:
                ZaloAccount.objects.filter(pk=account.pk).update(last_webhook_at=timezone.now())
            from caunoi.channels.tasks import webhook_event_process_task

            enqueue_on_commit(webhook_event_process_task, stored.pk)
    except IntegrityError:
        return None  # Zalo retried an event we already hold: acknowledge, do nothing twice
    return stored


def webhook_event_process(*, stored: WebhookEvent) -> None:
    """Apply one stored event. Safe to run twice: every write is keyed on the provider's ids."""
    if stored.processed_at is not None:
        return
    event = zalo_events.parse_event(stored.payload)
    with transaction.atomic():
        locked = WebhookEvent.objects.select_for_update().get(pk=stored.pk)
        if locked.processed_at is not None:
            return
        locked.attempts += 1
        try:
            _apply(event, locked.account)
        except ApplicationError as exc:
            locked.error = exc.message[:300]
        else:
            locked.error = ""
        locked.processed_at = timezone.now()
        locked.save(update_fields=["attempts", "error", "processed_at"])


def _apply(event: InboundEvent, account: ZaloAccount | None) -> None:
    if event.kind in (InboundKind.DELIVERED, InboundKind.SEEN, InboundKind.FAILED):
        _update_sent(event)
        return
    if event.kind not in (
        InboundKind.FOLLOW,
        InboundKind.UNFOLLOW,
        InboundKind.MESSAGE,
        InboundKind.SUBMIT_INFO,
    ):
        if account is not None and event.external_user_id and zalo_events.opens_window(event):
            _identity(account, event)  # e.g. the user clicked "chat now": the window opens
        return
    if account is None:
        raise InvalidState(_("No connected Official Account matches this event; connect it, then replay."))
    if event.external_user_id.startswith("anonymous:") or not event.external_user_id:
        return  # anonymous chats carry no identity we may keep
    identity = _identity(account, event)
    citizen = identity.citizen
    if event.kind == InboundKind.FOLLOW:
        if not citizen.consents.active().filter(purpose=ConsentPurpose.NEWS).exists():
            consent_grant(citizen=citizen, purpose=ConsentPurpose.NEWS, source=ConsentSource.ZALO, actor=None)
    elif event.kind == InboundKind.UNFOLLOW:
        # Unfollowing withdraws what following gave; a consent given in person for SMS stays.
        consent = (
            citizen.consents.active().filter(purpose=ConsentPurpose.NEWS, source=ConsentSource.ZALO).first()
        )
        if consent is not None:
            consent_withdraw(consent=consent, actor=None)
    elif event.kind == InboundKind.MESSAGE:
        _store_message(event, identity)
    elif event.kind == InboundKind.SUBMIT_INFO:
        _fill_contact(citizen, event.contact)


def _identity(account: ZaloAccount, event: InboundEvent) -> ChannelIdentity:
    """The citizen behind a Zalo user id, created on first contact in the OA's unit."""
    when = event.occurred_at or timezone.now()
    identity = (
        ChannelIdentity.objects.select_related("citizen")
        .filter(channel=ChannelKind.ZALO, account=account, external_id=event.external_user_id)
        .first()
    )
    if identity is None:
        citizen = citizen_create(home_unit=account.unit, actor=None)
        identity = ChannelIdentity.objects.create(
            citizen=citizen, channel=ChannelKind.ZALO, account=account, external_id=event.external_user_id
        )
    updates: dict[str, Any] = {}
    if event.kind == InboundKind.FOLLOW:
        updates["follows"] = True
    elif event.kind == InboundKind.UNFOLLOW:
        updates["follows"] = False
    if zalo_events.opens_window(event) and (
        identity.last_interaction_at is None or identity.last_interaction_at < when
    ):
        updates["last_interaction_at"] = when
    if updates:
        for name, value in updates.items():
            setattr(identity, name, value)
        identity.save(update_fields=list(updates))
    return identity


def _store_message(event: InboundEvent, identity: ChannelIdentity) -> None:
    _message, created = InboundMessage.objects.get_or_create(
        channel=event.channel,
        provider_message_id=event.provider_message_id or event.external_event_id[:64],
        defaults={
            "citizen": identity.citizen,
            "identity": identity,
            "message_type": event.message_type[:24],
            "text": nfc(event.text),
            "attachments": list(event.attachments),
            "occurred_at": event.occurred_at or timezone.now(),
        },
    )
    if created:
        citizen_touch(citizen=identity.citizen)


def _fill_contact(citizen: Citizen, contact: Mapping[str, str]) -> None:
    """``user_submit_info``: the citizen chose to share these fields with the OA; keep what we use."""
    changed: list[str] = []
    name = nfc(contact.get("name", "")).strip()[:120]
    if name and name != citizen.display_name:
        citizen.display_name = name
        changed.append("display_name")
    try:
        phone = normalize_vn_phone(contact.get("phone", "")) if contact.get("phone") else ""
    except ValueError:
        phone = ""
    if phone and phone != citizen.phone:
        citizen.phone = phone
        changed.append("phone")
    if changed:
        from caunoi.core.text import fold

        citizen.name_folded = fold(citizen.display_name)
        citizen.save(update_fields=[*changed, "name_folded"])
        audit_record(
            actor=None,
            actor_label="zalo",
            action="citizen.submit_info",
            obj=citizen,
            unit=citizen.home_unit,
            after={"fields": changed},
        )


def _update_sent(event: InboundEvent) -> None:
    ids = (
        zalo_events.seen_message_ids(event)
        if event.kind == InboundKind.SEEN
        else (event.provider_message_id,)
    )
    when = event.occurred_at or timezone.now()
    match = Q(provider_message_id__in=[i for i in ids if i])
    if event.tracking_id:  # ZNS receipts name our delivery
        match |= Q(tracking_id=event.tracking_id)
    qs = SentMessage.objects.filter(match, channel=event.channel)
    if event.kind == InboundKind.DELIVERED:
        qs.filter(delivered_at__isnull=True).update(delivered_at=when)
        qs.filter(status=SentStatus.SENT).update(status=SentStatus.DELIVERED)
    elif event.kind == InboundKind.SEEN:
        qs.filter(seen_at__isnull=True).update(seen_at=when)
        qs.exclude(status=SentStatus.FAILED).update(status=SentStatus.SEEN)
    else:
        qs.update(status=SentStatus.FAILED, error_code=event.error.code if event.error else "")
