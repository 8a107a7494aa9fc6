from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.channels import web
from caunoi.channels.base import ChannelKind
from caunoi.channels.models import (
    ChannelIdentity,
    InboundMessage,
    SentMessage,
    WebhookEvent,
    WebPost,
    WebPostPriority,
    ZaloAccount,
    ZnsTemplateRecord,
)
from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.geo.models import Unit, UnitLevel, UnitQuerySet


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
    zns_templates: list[ZnsTemplateRecord]


def zalo_account_health(*, account: ZaloAccount) -> AccountHealth:
    """What the channel settings page shows: is the OA alive, and what came in lately."""
    since = timezone.now() - dt.timedelta(hours=24)
    # By OA id: the worker links an event to its account, so one not processed yet counts too.
    events = WebhookEvent.objects.filter(oa_id=account.oa_id, received_at__gte=since)
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
        zns_templates=list(ZnsTemplateRecord.objects.filter(account=account).order_by("template_id")),
    )


def access_zns_template(account: ZaloAccount, template_id: int) -> ZnsTemplateRecord:
    template = (
        ZnsTemplateRecord.objects.filter(account=account, pk=template_id).select_related("account").first()
    )
    if template is None:
        raise NotFound()
    return template


@dataclass(frozen=True)
class GatewaySettings:
    """What the Channels page shows of a channel's configuration: where it goes, never its secrets."""

    configured: bool
    facts: list[tuple[str, str]]


def sms_settings() -> GatewaySettings:
    url = settings.CAUNOI_SMS_GATEWAY_URL
    host = urlsplit(url).netloc.rpartition("@")[2] if url else ""
    return GatewaySettings(
        configured=bool(url),
        facts=[
            (_("Gateway"), host or "—"),
            (_("Sender name"), settings.CAUNOI_SMS_SENDER or "—"),
            (_("Price of a part without accents (GSM-7)"), f"{settings.CAUNOI_SMS_PRICE_GSM7_VND} ₫"),
            (_("Price of a part with accents (UCS-2)"), f"{settings.CAUNOI_SMS_PRICE_UCS2_VND} ₫"),
            (
                _("Delivery reports"),
                _("accepted with the shared secret") if settings.CAUNOI_SMS_DLR_SECRET else _("off"),
            ),
        ],
    )


def email_settings() -> GatewaySettings:
    if settings.EMAIL_URL:
        server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    elif settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        server = _("the demo prints mail in the console")
    else:
        server = "localhost:25"
    bounces = settings.CAUNOI_EMAIL_BOUNCE_SECRET
    return GatewaySettings(
        configured=True,  # without EMAIL_URL, mail goes to the local MTA, which every server has
        facts=[
            (_("Server"), server),
            (_("Sender"), settings.CAUNOI_EMAIL_FROM),
            (_("Bounces"), _("accepted with the shared secret") if bounces else _("off")),
        ],
    )


def recent_test_sends(*, viewer: Viewer, limit: int = 10) -> dict[str, list[SentMessage]]:
    """The latest SMS and email sent, with what the gateway reported; the Channels page is for
    province administrators, who may see every unit's sending."""
    if not viewer.can(Capability.MANAGE_CHANNELS):
        return {}
    return {
        kind: list(SentMessage.objects.filter(channel=kind).order_by("-sent_at")[:limit])
        for kind in (ChannelKind.SMS, ChannelKind.EMAIL)
    }


# The public web channel ----------------------------------------------------------------------------

EMERGENCY_PINNED_FOR = dt.timedelta(days=3)  # an emergency stays on top of its page this long


def web_publish_units(*, viewer: Viewer) -> UnitQuerySet:
    """The province and communes this viewer may publish for (villages have no public page)."""
    return (
        Unit.objects.active()
        .filter(viewer.unit_q(Capability.PUBLISH_WEB), level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        .order_by("path")
    )


def web_post_list(*, viewer: Viewer) -> QuerySet[WebPost]:
    """Posts of the units this viewer publishes for, newest first, withdrawn ones included."""
    return (
        WebPost.objects.filter(viewer.unit_q(Capability.PUBLISH_WEB, "unit"))
        .select_related("unit", "created_by")
        .order_by("-published_at", "-id")
    )


def access_web_post(viewer: Viewer, post_id: int) -> WebPost:
    post = web_post_list(viewer=viewer).filter(pk=post_id).first()
    if post is None:
        raise NotFound()
    return post


def public_unit(code: str) -> Unit:
    """A province or commune in force, by its code; anything else is not found."""
    unit = (
        Unit.objects.active()
        .filter(code=code, level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        .select_related("parent")
        .first()
    )
    if unit is None:
        raise NotFound()
    return unit


@dataclass(frozen=True)
class PublicPosts:
    pinned: list[WebPost]  # recent emergencies, on top whatever the language chosen
    others: QuerySet[WebPost]
    languages: list[tuple[str, str]]  # the content languages this unit has posts in


def public_posts(*, unit: Unit, language: str = "") -> PublicPosts:
    """Một trang thông báo: a unit's own published posts, recent emergencies pinned on top."""
    published = WebPost.objects.published().filter(unit=unit).select_related("unit")
    since = timezone.now() - EMERGENCY_PINNED_FOR
    pinned_q = Q(priority=WebPostPriority.EMERGENCY, published_at__gte=since)
    pinned = list(published.filter(pinned_q).order_by("-published_at", "-id"))
    others = published.exclude(pinned_q)
    if language:
        others = others.filter(language=language)
    used = set(published.values_list("language", flat=True).distinct())
    return PublicPosts(
        pinned=pinned,
        others=others.order_by("-published_at", "-id"),
        languages=[(code, name) for code, name in settings.CAUNOI_CONTENT_LANGUAGES if code in used],
    )


def public_post(*, unit: Unit, slug: str) -> WebPost:
    """One post by its address, withdrawn or not (the page says when it was withdrawn)."""
    post = WebPost.objects.filter(unit=unit, slug=slug, published_at__lte=timezone.now()).first()
    if post is None:
        raise NotFound()
    return post


def public_feed_posts(*, unit: Unit, language: str = "", limit: int = 30) -> list[WebPost]:
    posts = WebPost.objects.published().filter(unit=unit).select_related("unit")
    if language:
        posts = posts.filter(language=language)
    return list(posts.order_by("-published_at", "-id")[:limit])


@dataclass(frozen=True)
class PublishingUnit:
    unit: Unit
    post_count: int
    latest_at: dt.datetime


def public_units_with_posts() -> list[PublishingUnit]:
    """The provinces and communes that have published, with how much and how recently.

    Counted from the posts, not the units: a province has thousands of units and few publish."""
    counts = {
        row["unit"]: row
        for row in WebPost.objects.published()
        .values("unit")
        .annotate(post_count=Count("id"), latest_at=Max("published_at"))
        .order_by()
    }
    return [
        PublishingUnit(unit, counts[unit.pk]["post_count"], counts[unit.pk]["latest_at"])
        for unit in Unit.objects.filter(pk__in=list(counts)).order_by("path")
    ]


def public_latest_posts(*, limit: int = 10) -> list[WebPost]:
    return list(WebPost.objects.published().select_related("unit").order_by("-published_at", "-id")[:limit])


def loudspeaker_posts(*, unit: Unit, limit: int = 50) -> list[WebPost]:
    """Bản tin cho loa: posts with audio of the unit and every unit under it, so one provincial feed
    carries every commune's bulletins, each tagged with the commune that should play it."""
    return list(
        WebPost.objects.published()
        .with_audio()
        .filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("-published_at", "-id")[:limit]
    )


def public_audio_post(*, filename: str) -> WebPost:
    """A published post speaking this file; once every post using it is withdrawn, it is not served."""
    post = (
        WebPost.objects.published()
        .with_audio()
        .filter(audio_path=f"{web.LOUDSPEAKER_DIR}/{filename}")
        .first()
    )
    if post is None:
        raise NotFound()
    return post


def contact_places(*, unit: Unit) -> UnitQuerySet:
    """What a resident may choose on a unit's contact form: the commune and its villages, or the
    communes of a province."""
    if unit.level == UnitLevel.PROVINCE:
        return Unit.objects.active().filter(parent=unit, level=UnitLevel.COMMUNE).order_by("name")
    return (
        Unit.objects.active().filter(Q(pk=unit.pk) | Q(parent=unit, level=UnitLevel.VILLAGE)).order_by("path")
    )


def web_home_units(*, viewer: Viewer) -> UnitQuerySet:
    """The units a viewer publishes for at the top of their scope (their commune, or the province)."""
    return Unit.objects.filter(
        path__in=viewer.prefixes(Capability.PUBLISH_WEB), level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE]
    ).order_by("path")
