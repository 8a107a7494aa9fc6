from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from caunoi.channels.models import ChannelIdentity, InboundMessage, SentMessage, WebhookEvent, ZaloAccount
from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer


def webhook_events_stuck(*, older_than: dt.timedelta, limit: int = 1000) -> list[int]:
    """Stored events still unprocessed after ``older_than`` (a lost task, a crashed worker)."""
    cutoff = timezone.now() - older_than
    return list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def zalo_account_list(*, viewer: Viewer) -> QuerySet[ZaloAccount]:
    return ZaloAccount.objects.filter(viewer.unit_q(Capability.MANAGE_CHANNELS, "unit")).select_related(
        "unit"
    )


def access_zalo_account(viewer: Viewer, account_id: int) -> ZaloAccount:
    account = zalo_account_list(viewer=viewer).filter(pk=account_id).first()
    if account is None:
        raise NotFound()
    return account


def access_identity(account: ZaloAccount, identity_id: int) -> ChannelIdentity:
    identity = (
        ChannelIdentity.objects.filter(account=account, pk=identity_id).select_related("citizen").first()
    )
    if identity is None:
        raise NotFound()
    return identity


@dataclass(frozen=True)
class AccountHealth:
    account: ZaloAccount
    followers: int
    events_24h: int
    failed_events_24h: int
    messages_24h: int
    recent_identities: list[ChannelIdentity]
    recent_sent: list[SentMessage]


def zalo_account_health(*, account: ZaloAccount) -> AccountHealth:
    """What the channel settings page shows: is the OA alive, and what came in lately."""
    since = timezone.now() - dt.timedelta(hours=24)
    events = WebhookEvent.objects.filter(account=account, received_at__gte=since)
    return AccountHealth(
        account=account,
        followers=ChannelIdentity.objects.filter(account=account, follows=True).count(),
        events_24h=events.count(),
        failed_events_24h=events.exclude(error="").count(),
        messages_24h=InboundMessage.objects.filter(identity__account=account, received_at__gte=since).count(),
        recent_identities=list(
            ChannelIdentity.objects.filter(account=account, last_interaction_at__isnull=False)
            .select_related("citizen")
            .order_by("-last_interaction_at")[:20]
        ),
        recent_sent=list(SentMessage.objects.filter(account=account).order_by("-sent_at")[:10]),
    )
