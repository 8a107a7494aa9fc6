"""Channel write use-cases: take a webhook in, and turn each stored event into citizens' data.

Receiving and processing are split on purpose. ``zalo_webhook_receive`` (and the SMS delivery-report
and email-bounce receivers) only verify, store the raw event once and queue its processing, so the
provider gets its HTTP 200 at once (Zalo wants it within 2 s) and a retry of the same event is a
no-op. ``webhook_event_process`` does the rest in the worker, per channel, and is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caunoi.channels import email, loudspeaker, sms, web
from caunoi.channels.base import (
    Attachment,
    ChannelKind,
    ErrorClass,
    InboundEvent,
    InboundKind,
    OutboundMessage,
    Recipient,
    SendResult,
)
from caunoi.channels.models import (
    AudioStatus,
    ChannelIdentity,
    InboundMessage,
    SentMessage,
    SentStatus,
    WebhookEvent,
    WebPost,
    WebPostPriority,
    ZaloAccount,
    ZaloAccountStatus,
    ZaloTagMember,
    ZnsTemplateRecord,
)
from caunoi.channels.outbound import ChannelSession, recipient_for, sent_message_record
from caunoi.channels.zalo import events as zalo_events
from caunoi.channels.zalo import oauth, signature
from caunoi.channels.zalo.client import ZaloApiError, ZaloClient
from caunoi.channels.zalo.oauth import REFRESH_MARGIN
from caunoi.channels.zalo.zns import ZnsClient, ZnsTemplate
from caunoi.citizens.models import Citizen, ConsentPurpose, ConsentSource
from caunoi.citizens.services import citizen_create, citizen_touch, consent_grant, consent_withdraw
from caunoi.core.crypto import decrypt, encrypt
from caunoi.core.db import insert_once
from caunoi.core.errors import ApplicationError, InvalidState, RateLimited, ValidationFailed
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.queue import enqueue_on_commit
from caunoi.core.ratelimit import RateLimitPolicy, client_key, rate_limit_take
from caunoi.core.services import audit_record
from caunoi.core.text import nfc, without_nul
from caunoi.geo.models import Unit, UnitLevel


class WebhookRejected(ApplicationError):
    """The request does not prove it comes from the provider (bad, missing or stale signature or secret)."""

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
        claimed = json.loads(raw_body)
    except ValueError:
        claimed = None
    try:
        verified = signature.verify(
            raw_body,
            headers,
            app_id=settings.CAUNOI_ZALO_APP_ID,
            # Sources disagree on which id prefixes the MAC; the OA's own id is accepted too.
            oa_id=_oa_id(claimed) if isinstance(claimed, dict) else "",
            secret=_signing_secret(),
            max_age_seconds=settings.CAUNOI_ZALO_WEBHOOK_MAX_AGE_SECONDS,
        )
    except signature.MalformedPayload as exc:
        raise ValidationFailed(str(exc), field="body") from None
    except signature.SignatureError as exc:
        raise WebhookRejected(str(exc)) from None
    payload = verified.payload
    return _webhook_store(
        event=zalo_events.parse_event(payload),
        payload=payload,
        event_name=str(payload.get("event_name", "")),
        oa_id=_oa_id(payload),  # the worker links the account (see _event_account)
    )


def sms_delivery_report_receive(*, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
    """Verify and store one SMS delivery report; ``None`` when the gateway repeats a report we hold."""
    try:
        event = sms.parse_delivery_report(raw_body, headers, settings.CAUNOI_SMS_DLR_SECRET)
    except sms.DeliveryReportRejected as exc:
        raise WebhookRejected(exc.message) from None
    return _webhook_store(event=event, payload=event.raw, event_name=event.message_type or event.kind)


def email_bounce_receive(*, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
    """Store one delivery status notification (RFC 3464) as the MTA passed it on.

    ``None`` when nothing new is kept: the same DSN again, or mail in the bounce mailbox that is not a
    DSN at all (auto-replies, spam), which is acknowledged so the sender does not retry it.
    """
    secret = str(settings.CAUNOI_EMAIL_BOUNCE_SECRET)
    offered = next((v for k, v in headers.items() if k.lower() == "x-caunoi-secret"), "")
    if not secret or not hmac.compare_digest(offered.encode(), secret.encode()):  # no secret: refuse all
        raise WebhookRejected(_("Bounce refused: wrong or missing shared secret."))
    event = email.parse_bounce(raw_body)
    if event is None:
        return None
    return _webhook_store(
        event=event, payload=_dsn_payload(raw_body), event_name=f"dsn_{event.raw.get('action') or 'unknown'}"
    )


def _dsn_payload(raw: bytes) -> dict[str, str]:
    """The whole DSN, readable when it is plain text (nearly always), else base64 so no byte is lost."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and "\x00" not in text:  # PostgreSQL's jsonb refuses NUL
        return {"dsn": text}
    return {"dsn_base64": base64.b64encode(raw).decode("ascii")}


def _dsn_bytes(payload: Mapping[str, Any]) -> bytes:
    if "dsn" in payload:
        return str(payload["dsn"]).encode("utf-8")
    return base64.b64decode(str(payload.get("dsn_base64", "")))


def _webhook_store(
    *, event: InboundEvent, payload: dict[str, Any], event_name: str, oa_id: str = ""
) -> WebhookEvent | None:
    """Keep the raw event once (unique on its provider id) and queue its processing once committed.

    ``None`` when the provider sent an event we already hold: the caller acknowledges it all the same.
    The event row is the only write the acknowledgement waits for, and nothing is read first: the
    worker links the OA's account. It is one statement (``insert_once``), so a retry is told apart
    without an error or a second query, and outside a transaction it commits by itself (on SQLite the
    write lock is held for that statement only).
    """
    row = WebhookEvent(
        channel=event.channel,
        oa_id=without_nul(oa_id[:32]),
        dedupe_key=without_nul(event.external_event_id[:128]),
        event_name=without_nul(event_name[:64]),
        payload=without_nul(payload),
    )
    fields = ("channel", "oa_id", "dedupe_key", "event_name", "payload", "received_at", "attempts", "error")
    if not insert_once(row, fields=fields, unique=("channel", "dedupe_key")):
        return None  # a retry of an event we already hold: acknowledge, do nothing twice
    from caunoi.channels.tasks import webhook_event_process_task

    # At once when the row is already committed; the stored event is itself the record that
    # webhook_events_requeue sweeps, so no PendingTask row is needed on this hot path.
    enqueue_on_commit(webhook_event_process_task, row.pk, recovered_by_sweep=True)
    return row


def webhook_event_process(*, stored: WebhookEvent) -> None:
    """Apply one stored event. Safe to run twice: every write is keyed on the provider's ids."""
    if stored.processed_at is not None:
        return
    with transaction.atomic():
        locked = WebhookEvent.objects.select_for_update().get(pk=stored.pk)
        if locked.processed_at is not None:
            return
        locked.attempts += 1
        try:
            event = _stored_event(locked)
            if event is not None:
                _apply(event, _event_account(locked))
        except ApplicationError as exc:
            locked.error = exc.message[:300]
        else:
            locked.error = ""
        locked.processed_at = timezone.now()
        locked.save(update_fields=["account", "attempts", "error", "processed_at"])


# The settings page shows when the OA last called; writing it for every event would make the account
# row the one every worker waits for, for a figure nobody reads to the second.
LAST_WEBHOOK_PRECISION = dt.timedelta(seconds=10)


def _event_account(stored: WebhookEvent) -> ZaloAccount | None:
    """The Official Account a Zalo event belongs to, linked here rather than when it is received, so
    that acknowledging Zalo stays one INSERT; its "last webhook received" is kept here too."""
    if stored.account_id is not None or stored.channel not in (ChannelKind.ZALO, ChannelKind.ZNS):
        return stored.account
    account = ZaloAccount.objects.filter(oa_id=stored.oa_id).first() if stored.oa_id else None
    if account is None:
        return None  # not connected (yet): kept with an error, replayed by zalo_account_connect
    stored.account = account
    seen = account.last_webhook_at
    if seen is None or seen < stored.received_at - LAST_WEBHOOK_PRECISION:
        ZaloAccount.objects.filter(pk=account.pk).filter(
            Q(last_webhook_at__isnull=True) | Q(last_webhook_at__lt=stored.received_at)
        ).update(last_webhook_at=stored.received_at)
    return account


def _stored_event(stored: WebhookEvent) -> InboundEvent | None:
    """The event a stored payload holds, parsed by its channel's own parser."""
    if stored.channel == ChannelKind.SMS:
        return sms.delivery_report_event(stored.payload)
    if stored.channel == ChannelKind.EMAIL:
        try:
            raw = _dsn_bytes(stored.payload)
        except (binascii.Error, ValueError):
            raise ValidationFailed(_("The stored bounce cannot be read.")) from None
        return email.parse_bounce(raw)
    return zalo_events.parse_event(stored.payload)  # Zalo OA and ZNS


def _apply(event: InboundEvent, account: ZaloAccount | None) -> None:
    if event.kind in (InboundKind.DELIVERED, InboundKind.SEEN, InboundKind.FAILED):
        _update_sent(event)
        return
    if event.channel not in (ChannelKind.ZALO, ChannelKind.ZNS):
        return  # e.g. an interim SMS report ("enroute"): no outcome yet
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
    """The citizen's message, kept once however often its event is applied (one statement: this runs
    for every message a burst brings)."""
    message = InboundMessage(
        citizen=identity.citizen,
        identity=identity,
        channel=event.channel,
        provider_message_id=event.provider_message_id or event.external_event_id[:64],
        message_type=event.message_type[:24],
        text=nfc(event.text),
        attachments=list(event.attachments),
        occurred_at=event.occurred_at or timezone.now(),
    )
    fields = (
        "citizen",
        "identity",
        "channel",
        "provider_message_id",
        "message_type",
        "text",
        "attachments",
        "occurred_at",
        "received_at",
    )
    if insert_once(message, fields=fields, unique=("channel", "provider_message_id")):
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
        # The earliest report wins: a "seen" that came first filled in its own time.
        qs.filter(Q(delivered_at__isnull=True) | Q(delivered_at__gt=when)).update(delivered_at=when)
        qs.filter(status=SentStatus.SENT).update(status=SentStatus.DELIVERED)
    elif event.kind == InboundKind.SEEN:
        # Seen implies delivered: the receipts may arrive out of order, or the delivery one not at all.
        qs.filter(delivered_at__isnull=True).update(delivered_at=when)
        qs.filter(seen_at__isnull=True).update(seen_at=when)
        qs.exclude(status=SentStatus.FAILED).update(status=SentStatus.SEEN)
    elif event.error is None or event.error.error_class == ErrorClass.PERMANENT:
        qs.update(status=SentStatus.FAILED, error_code=(event.error.code if event.error else "")[:32])
    # else a delay (an email DSN "delayed", 4.x.x): the provider keeps trying, so nothing is final yet


# Connecting an Official Account and keeping its tokens fresh --------------------------------------

REFRESH_LEASE = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    state: str
    code_verifier: str


def zalo_authorization_start(*, redirect_uri: str) -> AuthorizationStart:
    """The consent link (OAuth v4 with PKCE); the caller keeps state and verifier for the callback."""
    verifier, state = oauth.new_code_verifier(), oauth.new_state()
    url = oauth.authorization_url(
        settings.CAUNOI_ZALO_APP_ID,
        redirect_uri,
        oauth.code_challenge(verifier),
        state,
        base_url=settings.CAUNOI_ZALO_OAUTH_URL,
    )
    return AuthorizationStart(url=url, state=state, code_verifier=verifier)


def zalo_account_connect(
    *, unit: Unit, query: Mapping[str, str], expected_state: str, code_verifier: str, actor: Any
) -> ZaloAccount:
    """Kết nối OA: spend the callback's code for tokens, store them encrypted, replay held events."""
    try:
        callback = oauth.parse_callback(query, expected_state=expected_state)
        tokens = oauth.exchange_code(
            app_id=settings.CAUNOI_ZALO_APP_ID,
            secret_key=settings.CAUNOI_ZALO_APP_SECRET,
            code=callback.code,
            code_verifier=code_verifier,
            base_url=settings.CAUNOI_ZALO_OAUTH_URL,
        )
        with ZaloClient(tokens.access_token, base_url=settings.CAUNOI_ZALO_API_URL) as client:
            profile = client.oa_profile()
    except (oauth.OAuthError, ZaloApiError) as exc:
        raise InvalidState(_("Zalo refused the connection: %(reason)s") % {"reason": exc}) from None
    now = timezone.now()
    with transaction.atomic():
        account, created = ZaloAccount.objects.select_for_update().get_or_create(
            oa_id=callback.oa_id, defaults={"unit": unit, "app_id": settings.CAUNOI_ZALO_APP_ID}
        )
        if not created and account.unit_id != unit.pk:
            raise InvalidState(_("This Official Account is already connected by another unit."))
        _store_tokens(account, tokens)
        account.name = profile.name[:200]
        account.status = ZaloAccountStatus.CONNECTED
        account.connected_by = actor if getattr(actor, "pk", None) else None
        account.connected_at = now
        account.last_error = ""
        account.save()
        audit_record(
            actor=actor, action="zalo.connect", obj=account, unit=unit, after={"oa_id": account.oa_id}
        )
        held = list(
            WebhookEvent.objects.filter(oa_id=account.oa_id, account__isnull=True).values_list(
                "pk", flat=True
            )
        )
        WebhookEvent.objects.filter(pk__in=held).update(account=account, processed_at=None, error="")
        from caunoi.channels.tasks import webhook_event_process_task

        for event_id in held:
            enqueue_on_commit(webhook_event_process_task, event_id, recovered_by_sweep=True)
    return account


def _store_tokens(account: ZaloAccount, tokens: oauth.TokenSet) -> None:
    account.access_token_encrypted = encrypt(tokens.access_token)
    account.refresh_token_encrypted = encrypt(tokens.refresh_token)
    account.access_expires_at = tokens.access_expires_at
    account.refresh_expires_at = tokens.refresh_expires_at


def zalo_access_token(*, account: ZaloAccount, force_refresh: bool = False) -> str:
    """A usable access token, refreshed first when it is due.

    Zalo's refresh token works once, so two processes refreshing together would leave one with a
    dead token. A short lease on the row (claimed with a conditional UPDATE, not a transaction held
    open over the network call) lets exactly one refresh; the others wait for its result.
    """
    deadline = time.monotonic() + REFRESH_LEASE.total_seconds()
    while True:
        account.refresh_from_db()
        if account.status != ZaloAccountStatus.CONNECTED:
            raise InvalidState(_("The Official Account must be connected again."))
        now = timezone.now()
        due = account.access_expires_at is None or account.access_expires_at - REFRESH_MARGIN <= now
        if not (due or force_refresh):
            return decrypt(account.access_token_encrypted)
        claimed = (
            ZaloAccount.objects.filter(pk=account.pk)
            .filter(Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lt=now))
            .update(refresh_lease_until=now + REFRESH_LEASE)
        )
        if claimed:
            return _refresh_tokens(account)
        if time.monotonic() > deadline:
            raise InvalidState(_("Another process is refreshing the Zalo token; try again shortly."))
        time.sleep(0.2)
        force_refresh = False  # the lease holder is refreshing; use what it stores


def _refresh_tokens(account: ZaloAccount) -> str:
    try:
        tokens = oauth.refresh(
            app_id=settings.CAUNOI_ZALO_APP_ID,
            secret_key=settings.CAUNOI_ZALO_APP_SECRET,
            refresh_token=decrypt(account.refresh_token_encrypted),
            base_url=settings.CAUNOI_ZALO_OAUTH_URL,
        )
    except oauth.OAuthError as exc:
        reauth = exc.error_class == ErrorClass.REAUTH
        ZaloAccount.objects.filter(pk=account.pk).update(
            refresh_lease_until=None,
            last_error=str(exc)[:300],
            last_error_at=timezone.now(),
            **({"status": ZaloAccountStatus.NEEDS_REAUTH} if reauth else {}),
        )
        raise InvalidState(_("Zalo refused to refresh the token: %(reason)s") % {"reason": exc}) from None
    with transaction.atomic():
        locked = ZaloAccount.objects.select_for_update().get(pk=account.pk)
        _store_tokens(locked, tokens)
        locked.refresh_lease_until = None
        locked.save(
            update_fields=[
                "access_token_encrypted",
                "refresh_token_encrypted",
                "access_expires_at",
                "refresh_expires_at",
                "refresh_lease_until",
            ]
        )
        audit_record(
            actor=None, actor_label="system", action="zalo.token_refresh", obj=locked, unit=locked.unit
        )
    return tokens.access_token


def zalo_tokens_refresh_due() -> int:
    """Periodic: refresh every connected account whose access token expires soon."""
    soon = timezone.now() + REFRESH_MARGIN
    refreshed = 0
    for account in ZaloAccount.objects.filter(
        status=ZaloAccountStatus.CONNECTED, access_expires_at__lte=soon
    ):
        try:
            zalo_access_token(account=account)
            refreshed += 1
        except InvalidState:
            continue  # recorded on the account; its settings page says so
    return refreshed


def zalo_test_send(
    *,
    account: ZaloAccount,
    identity: ChannelIdentity,
    text: str,
    actor: Any,
    image: Attachment | None = None,
) -> SentMessage:
    """Gửi thử: one consultation message (with an optional image) to a follower, followed to seen."""
    text = nfc(text).strip()
    if not text and image is None:
        raise ValidationFailed(_("Write the message."), field="text")
    message = OutboundMessage(
        recipient=recipient_for(identity.citizen, identity),
        text=text,
        attachments=(image,) if image is not None else (),
    )
    with ChannelSession(ChannelKind.ZALO, account=account) as session:
        result = session.send(message)
        rate_left = session.rate_limit_remain
    return _test_send_record(
        kind=ChannelKind.ZALO,
        result=result,
        actor=actor,
        unit=account.unit,
        account=account,
        identity=identity,
        rate_left=rate_left,
    )


def sms_test_estimate(*, text: str, unaccented: bool) -> sms.SmsEstimate:
    """What the text costs as it would be sent (folded first when the officer chose no accents)."""
    message = OutboundMessage(recipient=Recipient(), text=text, unaccented=unaccented)
    return sms.sms_estimate(sms.sms_text(message))


def sms_test_send(*, phone: str, text: str, unaccented: bool, actor: Any, unit: Unit) -> SentMessage:
    """Gửi thử SMS: one text to an officer's own phone, priced before it leaves (see ``sms_estimate``)."""
    text = nfc(text).strip()
    if not text:
        raise ValidationFailed(_("Write the message."), field="text")
    try:
        phone = normalize_vn_phone(phone)
    except ValueError:
        raise ValidationFailed(_("Enter a Vietnamese mobile number."), field="phone") from None
    if not settings.CAUNOI_SMS_GATEWAY_URL:
        raise InvalidState(_("No SMS gateway is configured (CAUNOI_SMS_GATEWAY_URL)."))
    message = OutboundMessage(recipient=Recipient(phone=phone), text=text, unaccented=unaccented)
    with ChannelSession(ChannelKind.SMS) as session:
        result = session.send(message)
    return _test_send_record(kind=ChannelKind.SMS, result=result, actor=actor, unit=unit)


def email_test_send(*, address: str, actor: Any, unit: Unit) -> SentMessage:
    """Gửi thử email: proves the SMTP settings, the sender address and the unsubscribe header."""
    message = OutboundMessage(
        recipient=Recipient(email=address.strip()),
        subject=_("Cầu Nối test email"),
        text=_("Hello! This is a test email from Cầu Nối. If you can read it, email works."),
        tracking_id=f"test-{uuid.uuid4().hex[:16]}",
    )
    with ChannelSession(ChannelKind.EMAIL) as session:
        if not session.eligibility(message.recipient).eligible:
            raise ValidationFailed(_("Enter a valid email address."), field="address")
        result = session.send(message)
    return _test_send_record(
        kind=ChannelKind.EMAIL, result=result, actor=actor, unit=unit, tracking_id=message.tracking_id
    )


def _test_send_record(
    *,
    kind: ChannelKind,
    result: SendResult,
    actor: Any,
    unit: Unit,
    account: ZaloAccount | None = None,
    identity: ChannelIdentity | None = None,
    rate_left: int | None = None,
    tracking_id: str = "",
) -> SentMessage:
    """Record a test send (or its failure) on the audit log and, for Zalo, on the account's health.

    A refusal is committed before it is raised, so the audit log keeps the failed attempt too.
    """
    now = timezone.now()
    with transaction.atomic():
        if account is not None:
            ZaloAccount.objects.filter(pk=account.pk).update(
                rate_limit_remaining=rate_left,
                **(
                    {"last_error": f"{result.error.code}: {result.error.message}"[:300], "last_error_at": now}
                    if result.error
                    else {}
                ),
            )
        if result.error is not None:
            audit_record(
                actor=actor,
                action=f"{kind}.test_send_failed",
                obj=account,
                unit=unit,
                after={"code": result.error.code},
            )
        else:
            sent = sent_message_record(
                kind=kind,
                result=result,
                tracking_id=tracking_id,
                account=account,
                identity=identity,
                sent_at=now,
            )
            audit_record(actor=actor, action=f"{kind}.test_send", obj=account or sent, unit=unit)
    if result.error is not None:
        raise InvalidState(
            _("The provider did not accept the message (%(code)s): %(message)s")
            % {"code": result.error.code, "message": result.error.message}
        )
    return sent


# The public web channel: announcements and the contact form ---------------------------------------

TITLE_MAX, BODY_MAX, CONTACT_TEXT_MAX = 200, 20_000, 2000
WEB_CONSENTS = (ConsentPurpose.FEEDBACK, ConsentPurpose.CONTACT)


def _plain_text(text: str) -> str:
    """NFC, one kind of line break, no trailing spaces: the body is shown as typed, paragraphs kept."""
    lines = nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _unique_slug(unit: Unit, title: str) -> str:
    base = web.slug_base(title)
    taken = set(WebPost.objects.filter(unit=unit, slug__startswith=base).values_list("slug", flat=True))
    taken |= web.RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def web_post_publish(
    *,
    unit: Unit,
    title: str,
    body: str,
    language: str = "vi",
    priority: str = WebPostPriority.NORMAL,
    actor: Any,
    with_audio: bool = False,
) -> WebPost:
    """Đăng thông báo công khai: on the unit's public page and feeds at once; with audio, the
    loudspeaker script is spoken by the worker after the commit and the post joins the loudspeaker feed.
    """
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE) or not unit.is_active:
        raise ValidationFailed(_("Announcements are published by a province or a commune."), field="unit")
    title = " ".join(nfc(title).split())
    body = _plain_text(body)
    if not title:
        raise ValidationFailed(_("Write a title."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}, field="title")
    if not body:
        raise ValidationFailed(_("Write the announcement."), field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(_("Keep the text under %(n)d characters.") % {"n": BODY_MAX}, field="body")
    if language not in dict(settings.CAUNOI_CONTENT_LANGUAGES):
        raise ValidationFailed(_("Unknown language."), field="language")
    if priority not in WebPostPriority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    with transaction.atomic():
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    post = WebPost.objects.create(
                        unit=unit,
                        title=title,
                        body=body,
                        language=language,
                        priority=priority,
                        slug=_unique_slug(unit, title),
                        published_at=timezone.now(),
                        audio_status=AudioStatus.PENDING if with_audio else AudioStatus.NONE,
                        created_by=actor if getattr(actor, "pk", None) else None,
                    )
                break
            except IntegrityError:
                continue  # another post took the same address a moment ago; take the next one
        else:
            raise InvalidState(_("Could not give the announcement an address; publish it again."))
        audit_record(
            actor=actor,
            action="web_post.publish",
            obj=post,
            unit=unit,
            after={"priority": priority, "language": language, "audio": with_audio},
        )
        if with_audio:
            from caunoi.channels.tasks import web_post_audio_task

            enqueue_on_commit(web_post_audio_task, post.pk)
    return post


def web_post_withdraw(*, post: WebPost, actor: Any) -> WebPost:
    """Gỡ thông báo: gone from the page and every feed; the row stays for the record."""
    with transaction.atomic():
        locked = WebPost.objects.select_for_update().select_related("unit").get(pk=post.pk)
        if locked.withdrawn_at is not None:
            raise InvalidState(_("This announcement was already withdrawn."))
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        audit_record(actor=actor, action="web_post.withdraw", obj=locked, unit=locked.unit)
    return locked


def web_post_audio_synthesize(*, post: WebPost) -> WebPost:
    """Đọc bản tin: speak the post's loudspeaker script into MEDIA_ROOT/loudspeaker/.

    Speaking takes seconds, so it runs outside any transaction; the file is named by the script's
    hash, so the same bulletin is spoken once however often it is asked for.
    """
    post = WebPost.objects.select_related("unit").get(pk=post.pk)
    if post.withdrawn_at is not None or post.audio_status == AudioStatus.READY:
        return post
    script = loudspeaker.bulletin_script(
        post.title, post.body, priority=post.priority, unit_name=post.unit.name, language=post.language
    )
    try:
        audio = loudspeaker.synthesize(script, Path(settings.MEDIA_ROOT) / web.LOUDSPEAKER_DIR)
    except loudspeaker.SpeechSynthesisFailed as exc:
        with transaction.atomic():
            WebPost.objects.filter(pk=post.pk).update(
                audio_status=AudioStatus.FAILED, audio_error=exc.message[:300]
            )
            audit_record(
                actor=None,
                action="web_post.audio_failed",
                obj=post,
                unit=post.unit,
                after={"error": exc.message[:200]},
            )
        raise
    with transaction.atomic():
        post.audio_status = AudioStatus.READY
        post.audio_path = f"{web.LOUDSPEAKER_DIR}/{audio.path.name}"
        post.audio_mime = audio.mime
        post.audio_bytes = audio.bytes
        post.audio_duration_seconds = audio.duration_seconds
        post.audio_script = script
        post.audio_error = ""
        post.save(
            update_fields=[
                "audio_status",
                "audio_path",
                "audio_mime",
                "audio_bytes",
                "audio_duration_seconds",
                "audio_script",
                "audio_error",
            ]
        )
        audit_record(
            actor=None,
            action="web_post.audio",
            obj=post,
            unit=post.unit,
            after={"seconds": audio.duration_seconds, "bytes": audio.bytes},
        )
    return post


def _take(policy: RateLimitPolicy, key: str, *, whole_unit: bool) -> None:
    decision = rate_limit_take(policy, key)
    if decision.allowed:
        return
    minutes = max(1, round(decision.retry_after / 60))
    if whole_unit:
        message = ngettext(
            "This unit is receiving very many messages right now. "
            "Please wait about %(minutes)d minute and send again.",
            "This unit is receiving very many messages right now. "
            "Please wait about %(minutes)d minutes and send again.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many messages were sent from your connection in a short time. "
            "Please wait about %(minutes)d minute and send again.",
            "Too many messages were sent from your connection in a short time. "
            "Please wait about %(minutes)d minutes and send again.",
            minutes,
        )
    raise RateLimited(message % {"minutes": minutes})


def web_contact_submit(
    *,
    unit: Unit,
    place: Unit,
    text: str,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    consents: Collection[str],
    client_address: str,
    language: str = "vi",
) -> InboundMessage:
    """Gửi phản ánh qua trang công khai: the resident becomes a citizen of the commune or village they
    chose (anonymous if they left no contact), with exactly the consents they ticked, and their words
    an inbound web message for the commune's inbox.
    """
    text = _plain_text(text)
    if not text:
        raise ValidationFailed(_("Write your message."), field="text")
    if len(text) > CONTACT_TEXT_MAX:
        raise ValidationFailed(
            _("Write at most %(limit)d characters (you wrote %(count)d).")
            % {"limit": CONTACT_TEXT_MAX, "count": len(text)},
            field="text",
        )
    if not (place.path.startswith(unit.path) and place.level in (UnitLevel.COMMUNE, UnitLevel.VILLAGE)):
        raise ValidationFailed(_("Choose your commune or village from the list."), field="place")
    consents = set(consents)
    if unknown := consents - set(WEB_CONSENTS):
        raise ValidationFailed(_("Unknown purpose: %(purpose)s.") % {"purpose": sorted(unknown)[0]})
    if ConsentPurpose.FEEDBACK not in consents:
        raise ValidationFailed(
            _("We can only pass your message to the officers if you agree that it is handled."),
            field="consent_feedback",
        )
    if ConsentPurpose.CONTACT in consents and not (phone.strip() or email.strip()):
        raise ValidationFailed(
            _("To be contacted back, give a phone number or an email address."), field="phone"
        )
    with transaction.atomic():
        _take(web.CONTACT_PER_CLIENT, client_key(client_address), whole_unit=False)
        _take(web.CONTACT_PER_UNIT, unit.code, whole_unit=True)
        citizen = citizen_create(
            home_unit=place,
            display_name=display_name,
            phone=phone,
            email=email,
            consents=[p for p in WEB_CONSENTS if p in consents],
            consent_source=ConsentSource.WEB,
            consent_language=language,
            actor=None,
        )
        message = InboundMessage.objects.create(
            citizen=citizen,
            channel=ChannelKind.WEB,
            provider_message_id=uuid.uuid4().hex,
            message_type="text",
            text=text,
            occurred_at=timezone.now(),
        )
        audit_record(
            actor=None,
            actor_label="web",
            action="web.contact",
            obj=message,
            unit=place,
            after={"anonymous": not (citizen.phone or citizen.email), "consents": sorted(consents)},
        )
    return message


def zalo_followers_backfill(*, account: ZaloAccount, actor: Any) -> int:
    """Đồng bộ người quan tâm: mark every follower the list API can reach (about 10,000 at most).

    Follow and unfollow webhooks keep the list current; this only fills in people who followed
    before the OA was connected. New followers become residents of the OA's unit with no consent
    recorded: following before we knew them is not a consent we saw given.
    """
    token = zalo_access_token(account=account)
    known = 0
    try:
        with ZaloClient(token, base_url=settings.CAUNOI_ZALO_API_URL) as client:
            for page in client.user_list(is_follower=True):
                with transaction.atomic():
                    existing = set(
                        ChannelIdentity.objects.filter(
                            channel=ChannelKind.ZALO, account=account, external_id__in=page.user_ids
                        ).values_list("external_id", flat=True)
                    )
                    ChannelIdentity.objects.filter(
                        channel=ChannelKind.ZALO, account=account, external_id__in=existing
                    ).update(follows=True)
                    for user_id in page.user_ids:
                        if user_id not in existing:
                            citizen = citizen_create(home_unit=account.unit, actor=None)
                            ChannelIdentity.objects.create(
                                citizen=citizen,
                                channel=ChannelKind.ZALO,
                                account=account,
                                external_id=user_id,
                                follows=True,
                            )
                    known += len(page.user_ids)
    except ZaloApiError as exc:
        raise InvalidState(_("Zalo refused the follower list: %(reason)s") % {"reason": exc}) from None
    audit_record(
        actor=actor,
        action="zalo.followers_backfill",
        obj=account,
        unit=account.unit,
        after={"followers": known},
    )
    return known


# Zalo tags (nhãn) kept in step with our segments ---------------------------------------------------

TAG_MAX = 64


@dataclass(frozen=True)
class TagSync:
    added: int
    removed: int
    failed: int
    last_error: str = ""


def zalo_tag_sync(*, account: ZaloAccount, tag: str, citizen_ids: Collection[int], actor: Any) -> TagSync:
    """Make the OA's tag hold exactly these citizens' followers (those who follow this OA).

    The calls go out one at a time outside any transaction; each success is recorded at once, so a
    sync cut short by an error or a dead worker resumes where it stopped the next time.
    """
    tag = nfc(tag).strip()
    if not tag or len(tag) > TAG_MAX:
        raise ValidationFailed(_("A tag has 1 to 64 characters."), field="tag")
    wanted = dict(
        ChannelIdentity.objects.filter(
            account=account, channel=ChannelKind.ZALO, follows=True, citizen_id__in=list(citizen_ids)
        ).values_list("pk", "external_id")
    )
    members = ZaloTagMember.objects.filter(account=account, tag=tag)
    current = dict(members.values_list("identity_id", "identity__external_id"))
    to_add = {pk: uid for pk, uid in wanted.items() if pk not in current}
    to_remove = {pk: uid for pk, uid in current.items() if pk not in wanted}
    added = removed = failed = 0
    last_error = ""
    token = zalo_access_token(account=account)
    with ZaloClient(token, base_url=settings.CAUNOI_ZALO_API_URL) as client:
        for pk, user_id in to_add.items():
            try:
                client.tag_follower(user_id, tag)
            except ZaloApiError as exc:
                failed, last_error = failed + 1, str(exc)
                continue
            ZaloTagMember.objects.get_or_create(account=account, tag=tag, identity_id=pk)
            added += 1
        for pk, user_id in to_remove.items():
            try:
                client.remove_from_tag(user_id, tag)
            except ZaloApiError as exc:
                failed, last_error = failed + 1, str(exc)
                continue
            members.filter(identity_id=pk).delete()
            removed += 1
    audit_record(
        actor=actor,
        action="zalo.tag_sync",
        obj=account,
        unit=account.unit,
        after={"tag": tag, "added": added, "removed": removed, "failed": failed},
    )
    return TagSync(added=added, removed=removed, failed=failed, last_error=last_error)


# ZNS template registry -----------------------------------------------------------------------------


def zns_templates_sync(*, account: ZaloAccount, actor: Any) -> list[ZnsTemplateRecord]:
    """Đồng bộ mẫu ZNS: fetch the OA's approved templates and their parameters from Zalo.

    Purposes set by officers survive a sync; a template Zalo no longer lists is kept, disabled, so
    past deliveries still name it.
    """
    token = zalo_access_token(account=account)
    try:
        with ZnsClient(token, templates=[], base_url=settings.CAUNOI_ZALO_ZNS_URL) as client:
            described = [client.template_info(tid, purpose="") for tid in client.template_ids()]
            quota = client.quota()
    except ZaloApiError as exc:
        raise InvalidState(_("Zalo refused the template list: %(reason)s") % {"reason": exc}) from None
    now = timezone.now()
    with transaction.atomic():
        seen = []
        for template, name in described:
            ZnsTemplateRecord.objects.update_or_create(
                account=account,
                template_id=template.id,
                defaults={
                    "name": name,
                    "params": dict(template.params),
                    "price_vnd": template.price_vnd,
                    "enabled": True,
                    "synced_at": now,
                },
            )
            seen.append(template.id)
        ZnsTemplateRecord.objects.filter(account=account).exclude(template_id__in=seen).update(enabled=False)
        ZaloAccount.objects.filter(pk=account.pk).update(
            zns_quota_daily=quota.daily, zns_quota_remaining=quota.remaining, zns_quota_checked_at=now
        )
        audit_record(
            actor=actor,
            action="zns.templates_sync",
            obj=account,
            unit=account.unit,
            after={"templates": seen},
        )
    return list(ZnsTemplateRecord.objects.filter(account=account).order_by("template_id"))


def zns_template_purpose_set(*, template: ZnsTemplateRecord, purpose: str, actor: Any) -> ZnsTemplateRecord:
    """Say what a template is for; the purpose decides which citizens' consent allows sending it."""
    if purpose and purpose not in ConsentPurpose.values:
        raise ValidationFailed(_("Choose one of the listed purposes."), field="purpose")
    with transaction.atomic():
        before = template.purpose
        template.purpose = purpose
        template.save(update_fields=["purpose"])
        audit_record(
            actor=actor,
            action="zns.template_purpose",
            obj=template,
            unit=template.account.unit,
            before={"purpose": before},
            after={"purpose": purpose},
        )
    return template


def zns_templates(*, account: ZaloAccount) -> list[ZnsTemplate]:
    """The templates this OA may send: enabled at Zalo and given a purpose here."""
    return [
        ZnsTemplate(id=r.template_id, params=dict(r.params), purpose=r.purpose, price_vnd=r.price_vnd)
        for r in ZnsTemplateRecord.objects.filter(account=account, enabled=True).exclude(purpose="")
    ]
