"""Channel write use-cases: take a webhook in, and turn each stored event into citizens' data.

Receiving and processing are split on purpose. ``zalo_webhook_receive`` only verifies, stores the
raw event once and queues its processing, so Zalo gets its HTTP 200 well within 2 s and a retry of
the same event is a no-op. ``webhook_event_process`` does the rest in the worker and is idempotent.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.channels.base import ChannelKind, ErrorClass, InboundEvent, InboundKind
from caunoi.channels.models import (
    ChannelIdentity,
    InboundMessage,
    SentMessage,
    SentStatus,
    WebhookEvent,
    ZaloAccount,
    ZaloAccountStatus,
)
from caunoi.channels.zalo import events as zalo_events
from caunoi.channels.zalo import oauth, signature
from caunoi.channels.zalo.client import ZaloApiError, ZaloClient
from caunoi.channels.zalo.oauth import REFRESH_MARGIN
from caunoi.citizens.models import Citizen, ConsentPurpose, ConsentSource
from caunoi.citizens.services import citizen_create, citizen_touch, consent_grant, consent_withdraw
from caunoi.core.crypto import decrypt, encrypt
from caunoi.core.errors import ApplicationError, InvalidState, ValidationFailed
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.queue import enqueue_on_commit
from caunoi.core.services import audit_record
from caunoi.core.text import nfc
from caunoi.geo.models import Unit


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
    event = zalo_events.parse_event(payload)
    account = ZaloAccount.objects.filter(oa_id=_oa_id(payload)).first()
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                channel=event.channel,
                account=account,
                oa_id=_oa_id(payload)[:32],
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
            enqueue_on_commit(webhook_event_process_task, event_id)
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


def zalo_test_send(*, account: ZaloAccount, identity: ChannelIdentity, text: str, actor: Any) -> SentMessage:
    """Gửi thử: one consultation message to a follower, followed to delivered and seen."""
    text = nfc(text).strip()
    if not text:
        raise ValidationFailed(_("Write the message."), field="text")
    token = zalo_access_token(account=account)
    with ZaloClient(token, base_url=settings.CAUNOI_ZALO_API_URL) as client:
        result = client.send_text(identity.external_id, text)
        rate_left = client.rate_limit_remain
    if result.error is not None and result.error.error_class == ErrorClass.REAUTH:
        token = zalo_access_token(account=account, force_refresh=True)
        with ZaloClient(token, base_url=settings.CAUNOI_ZALO_API_URL) as client:
            result = client.send_text(identity.external_id, text)
            rate_left = client.rate_limit_remain
    now = timezone.now()
    with transaction.atomic():
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
                action="zalo.test_send_failed",
                obj=account,
                unit=account.unit,
                after={"code": result.error.code},
            )
            raise InvalidState(
                _("Zalo did not accept the message (%(code)s): %(message)s")
                % {"code": result.error.code, "message": result.error.message}
            )
        sent = SentMessage.objects.create(
            channel=ChannelKind.ZALO,
            account=account,
            identity=identity,
            provider_message_id=result.provider_message_id,
            sent_at=now,
        )
        audit_record(actor=actor, action="zalo.test_send", obj=account, unit=account.unit)
    return sent
