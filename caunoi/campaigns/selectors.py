"""Reads of campaigns, always scoped to the viewer: a campaign is seen by those whose area covers the
unit that sends it (``access_campaign`` answers "not found" alike for missing and not yours)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from caunoi.accounts.models import RoleAssignment, User
from caunoi.campaigns import counts
from caunoi.campaigns.audience import unit_ids_under
from caunoi.campaigns.models import (
    CHANNEL_LABELS,
    HANDED_OVER,
    PENDING,
    AlertTemplate,
    Campaign,
    CampaignKind,
    CampaignState,
    ContentVariant,
    Delivery,
    DeliveryStatus,
    Segment,
    UnitPublication,
)
from caunoi.channels.models import InboundMessage, ZaloAccountStatus, ZnsTemplateRecord
from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.geo.models import Unit

SMALL_CELL = 5  # per-commune or per-language figures below this are shown as "<5"


def campaign_list(*, viewer: Viewer, kind: str = "", state: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.filter(viewer.unit_q(Capability.VIEW_CAMPAIGNS, "unit")).select_related(
        "unit", "author"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    return qs


def access_campaign(viewer: Viewer, campaign_id: int, *, for_update: bool = False) -> Campaign:
    qs = Campaign.objects.filter(viewer.unit_q(Capability.VIEW_CAMPAIGNS, "unit")).select_related(
        "unit", "author", "approved_by", "template", "segment"
    )
    if for_update:
        qs = qs.select_for_update()
    campaign = qs.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    return campaign


def access_variant(viewer: Viewer, variant_id: int) -> ContentVariant:
    variant = (
        ContentVariant.objects.filter(
            viewer.unit_q(Capability.VIEW_CAMPAIGNS, "campaign__unit"), pk=variant_id
        )
        .select_related("campaign", "campaign__unit", "translator")
        .first()
    )
    if variant is None:
        raise NotFound()
    return variant


def segment_list(*, viewer: Viewer) -> QuerySet[Segment]:
    return Segment.objects.filter(viewer.unit_q(Capability.VIEW_CAMPAIGNS, "unit"))


def alert_templates(*, viewer: Viewer) -> QuerySet[AlertTemplate]:
    """Templates of the units above and at the viewer's own: a commune may use the province's."""
    prefixes = viewer.prefixes(Capability.RELEASE_ALERTS) or viewer.prefixes(Capability.VIEW_CAMPAIGNS)
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(unit__path__startswith=prefix) | Q(unit__path__in=_ancestors(prefix))
    return AlertTemplate.objects.filter(q).select_related("unit")


def access_alert_template(viewer: Viewer, template_id: int) -> AlertTemplate:
    template = alert_templates(viewer=viewer).filter(pk=template_id).first()
    if template is None:
        raise NotFound()
    return template


def _ancestors(path: str) -> list[str]:
    return [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]


def translators(campaign: Campaign) -> QuerySet[User]:
    """Staff who may be asked to translate: those holding a role on the campaign's unit, above or below
    it — never a list of every account in the country."""
    path = campaign.unit.path
    roles = RoleAssignment.objects.active().filter(
        Q(unit__path__startswith=path) | Q(unit__path__in=_ancestors(path))
    )
    return User.objects.filter(is_active=True, pk__in=roles.values("user_id")).order_by("username")


def targetable_units(viewer: Viewer, capability: Capability = Capability.WRITE_CAMPAIGNS) -> QuerySet[Unit]:
    return Unit.objects.active().filter(viewer.unit_q(capability)).exclude(level="country").order_by("path")


def zns_templates() -> QuerySet[ZnsTemplateRecord]:
    """ZNS templates a campaign may pick: enabled on a connected Official Account."""
    return ZnsTemplateRecord.objects.filter(
        enabled=True, account__status=ZaloAccountStatus.CONNECTED
    ).order_by("template_id")


def active_alert_units() -> set[int]:
    """Units (with everything under them) inside an emergency alert released and not stood down.

    The inbox opens an SOS queue for replies from citizens of these units.
    """
    active = Campaign.objects.filter(
        kind=CampaignKind.ALERT, released_at__isnull=False, stood_down_at__isnull=True
    ).exclude(state=CampaignState.CANCELLED)
    units = Unit.objects.filter(pk__in=active.values("target_units"))
    return set(unit_ids_under(list(units)))


# Progress and results -------------------------------------------------------------------------------


@dataclass
class ChannelProgress:
    channel: str
    label: str
    total: int = 0
    pending: int = 0
    handed_over: int = 0
    failed: int = 0
    unknown: int = 0
    cancelled: int = 0
    paused_reason: str = ""

    @property
    def done(self) -> int:
        return self.total - self.pending


@dataclass
class Progress:
    channels: list[ChannelProgress]
    total: int
    pending: int
    handed_over: int
    failed: int
    unknown: int
    cancelled: int
    unreachable: int
    published: list[str] = field(default_factory=list)  # "Phường Hà Giang 1 (vi, loa)" per publication

    @property
    def done(self) -> int:
        return self.total - self.pending


def campaign_progress(campaign: Campaign) -> Progress:
    """Sent / failed / pending per channel, read from the counts the engine keeps (``DeliveryCount``):
    a few rows whatever the size of the campaign, where a count over the deliveries grew with it."""
    by_channel: dict[str, ChannelProgress] = {}
    unreachable = 0
    for (channel, status), n in counts.by_channel_status(campaign).items():
        if not channel:
            unreachable += n
            continue
        p = by_channel.setdefault(
            channel, ChannelProgress(channel, str(CHANNEL_LABELS.get(channel, channel)))
        )
        p.total += n
        if status in PENDING:
            p.pending += n
        elif status in HANDED_OVER:
            p.handed_over += n
        elif status == DeliveryStatus.FAILED:
            p.failed += n
        elif status == DeliveryStatus.UNKNOWN:
            p.unknown += n
        elif status == DeliveryStatus.CANCELLED:
            p.cancelled += n
    for channel, reason in campaign.channel_pauses.items():
        by_channel.setdefault(
            channel, ChannelProgress(channel, str(CHANNEL_LABELS.get(channel, channel)))
        ).paused_reason = reason
    channels = sorted(by_channel.values(), key=lambda p: p.channel)
    return Progress(
        channels=channels,
        total=sum(p.total for p in channels) + unreachable,
        pending=sum(p.pending for p in channels),
        handed_over=sum(p.handed_over for p in channels),
        failed=sum(p.failed for p in channels) + unreachable,
        unknown=sum(p.unknown for p in channels),
        cancelled=sum(p.cancelled for p in channels),
        unreachable=unreachable,
        published=[
            f"{p.unit.name} ({p.language}{', ' + str(CHANNEL_LABELS['loudspeaker']) if p.with_audio else ''})"
            for p in UnitPublication.objects.filter(campaign=campaign)
            .select_related("unit")
            .order_by("unit__name")
        ],
    )


@dataclass
class RateRow:
    key: str
    label: str
    total: int
    delivered: int
    seen: int
    suppressed: bool = False

    @property
    def delivered_rate(self) -> float:
        return self.delivered / self.total if self.total else 0.0

    @property
    def seen_rate(self) -> float:
        return self.seen / self.total if self.total else 0.0


def _rates(campaign: Campaign, group: str) -> list[dict[str, Any]]:
    reached = Q(status__in=HANDED_OVER)
    delivered = Q(status__in=(DeliveryStatus.DELIVERED, DeliveryStatus.SEEN)) | Q(
        sent_message__delivered_at__isnull=False
    )
    seen = Q(status=DeliveryStatus.SEEN) | Q(sent_message__seen_at__isnull=False)
    return list(
        Delivery.objects.filter(campaign=campaign)
        .values(group)
        .annotate(
            total=Count("pk"),
            sent=Count("pk", filter=reached),
            delivered=Count("pk", filter=delivered),
            seen=Count("pk", filter=seen),
        )
        .order_by(group)
    )


@dataclass
class Results:
    by_unit: list[RateRow]
    by_language: list[RateRow]
    by_channel: list[RateRow]


def campaign_results(campaign: Campaign) -> Results:
    """Delivery and read rates per commune, language and channel. Cells under ``SMALL_CELL`` people are
    suppressed so a rate never points at a household."""
    units = {
        u.pk: u.name
        for u in Unit.objects.filter(pk__in=Delivery.objects.filter(campaign=campaign).values("unit_id"))
    }
    languages = dict(settings.CAUNOI_CONTENT_LANGUAGES)

    def rows(group: str, label: Any) -> list[RateRow]:
        out = []
        for r in _rates(campaign, group):
            key = r[group]
            out.append(
                RateRow(
                    key=str(key),
                    label=label(key),
                    total=r["total"],
                    delivered=r["delivered"],
                    seen=r["seen"],
                    suppressed=r["total"] < SMALL_CELL,
                )
            )
        return out

    return Results(
        by_unit=rows("unit_id", lambda k: units.get(k, str(k))),
        by_language=rows("language", lambda k: languages.get(k, k)),
        by_channel=rows("channel", lambda k: str(CHANNEL_LABELS.get(k, k)) if k else "—"),
    )


@dataclass
class AfterAction:
    """Báo cáo sau cảnh báo: reach, timings and replies of one released alert."""

    released_at: dt.datetime | None
    first_handoff: dt.datetime | None
    last_handoff: dt.datetime | None
    p50_seconds: float | None
    p95_seconds: float | None
    progress: Progress
    results: Results
    replies: int
    replies_by_unit: list[tuple[str, int]] = field(default_factory=list)
    stood_down_at: dt.datetime | None = None


def alert_after_action(campaign: Campaign) -> AfterAction:
    released = campaign.released_at
    handoffs = Delivery.objects.filter(campaign=campaign, sent_at__isnull=False)
    first = handoffs.order_by("sent_at").values_list("sent_at", flat=True).first()
    last = handoffs.order_by("-sent_at").values_list("sent_at", flat=True).first()
    p50 = p95 = None
    if released is not None:
        waits = sorted(
            (s - released).total_seconds()
            for s in handoffs.values_list("sent_at", flat=True)
            if s is not None
        )
        if waits:
            p50 = statistics.median(waits)
            p95 = waits[min(len(waits) - 1, int(len(waits) * 0.95))]
    affected = unit_ids_under(list(campaign.target_units.all()))
    replies_qs = InboundMessage.objects.none()
    if released is not None:
        replies_qs = InboundMessage.objects.filter(
            citizen__home_unit_id__in=affected, occurred_at__gte=released
        )
        if campaign.stood_down_at is not None:
            replies_qs = replies_qs.filter(occurred_at__lte=campaign.stood_down_at)
    by_unit = [
        (row["citizen__home_unit__name"], row["n"])
        for row in replies_qs.values("citizen__home_unit__name").annotate(n=Count("pk")).order_by("-n")
    ]
    return AfterAction(
        released_at=released,
        first_handoff=first,
        last_handoff=last,
        p50_seconds=p50,
        p95_seconds=p95,
        progress=campaign_progress(campaign),
        results=campaign_results(campaign),
        replies=replies_qs.count(),
        replies_by_unit=by_unit,
        stood_down_at=campaign.stood_down_at,
    )
