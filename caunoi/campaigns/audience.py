"""Đối tượng nhận: who a campaign reaches, on which channel, in which language — decided in SQL.

One queryset describes the audience; the same queryset counts it for the live preview and, wrapped in
``INSERT … SELECT``, becomes the delivery rows. No citizen passes through Python, so a million rows
cost the database's time and a constant amount of the worker's memory.

The channel is the first in the campaign's fallback order that can reach the citizen now; nobody
reachable gets a ``failed``/``unreachable`` row, so the counts add up to the audience.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from caunoi.campaigns import counts
from caunoi.campaigns.models import Campaign, CampaignKind, Delivery, DeliveryStatus, Segment, VariantState
from caunoi.channels.base import ChannelKind
from caunoi.channels.models import ChannelIdentity, ZaloAccountStatus
from caunoi.channels.outbound import channel_statuses
from caunoi.citizens.models import Citizen, CitizenQuerySet, Consent, ConsentPurpose
from caunoi.geo.models import Unit, UnitLevel

ZALO_WINDOW = dt.timedelta(days=7)  # consultation messages reach those who wrote in the last 7 days
UNREACHABLE = "unreachable"


def unit_ids_under(units: QuerySet[Unit] | list[Unit]) -> list[int]:
    """The units and everything below them (villages under a commune, communes under a province)."""
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(path__startswith=unit.path)
    return list(Unit.objects.filter(q).values_list("pk", flat=True))


def approved_languages(campaign: Campaign) -> list[str]:
    """Languages with an approved variant; Vietnamese is the source and always goes."""
    others = campaign.variants.filter(state=VariantState.APPROVED).exclude(language="vi")
    return ["vi", *others.values_list("language", flat=True)]


def _reach_conditions(campaign: Campaign, now: dt.datetime) -> dict[str, Q | Exists]:
    """For each personal channel of the campaign that is set up: can it reach a citizen now?"""
    configured = {s.kind.value for s in channel_statuses() if s.configured}
    conditions: dict[str, Q | Exists] = {}
    for channel in campaign.personal_channels:
        if channel not in configured:
            continue
        if channel == ChannelKind.ZALO:
            conditions[channel] = Exists(
                ChannelIdentity.objects.filter(
                    citizen=OuterRef("pk"),
                    channel=ChannelKind.ZALO,
                    account__status=ZaloAccountStatus.CONNECTED,
                    last_interaction_at__gte=now - ZALO_WINDOW,
                )
            )
        elif channel == ChannelKind.ZNS:
            if campaign.zns_template_id:
                conditions[channel] = ~Q(phone="")
        elif channel == ChannelKind.SMS:
            conditions[channel] = ~Q(phone="")
        elif channel == ChannelKind.EMAIL:
            conditions[channel] = ~Q(email="")
    return conditions


def segment_filter(qs: CitizenQuerySet, segment: Segment) -> CitizenQuerySet:
    """Narrow ``qs`` to a segment's citizens: its fixed list, or its rule on units, consent and language."""
    if segment.is_static:
        return qs.filter(
            pk__in=segment.members.through.objects.filter(segment_id=segment.pk).values("citizen_id")
        )
    rule_units = list(segment.rule_units.all())
    if rule_units:
        qs = qs.filter(home_unit_id__in=unit_ids_under(rule_units))
    if segment.rule_consent:
        qs = qs.filter(
            Exists(Consent.objects.active().filter(citizen=OuterRef("pk"), purpose=segment.rule_consent))
        )
    if segment.rule_language:
        qs = qs.filter(preferred_language=segment.rule_language)
    return qs


def audience(campaign: Campaign, *, now: dt.datetime | None = None) -> QuerySet[Citizen]:
    """The citizens a campaign reaches, annotated with the channel, language and commune of each row.

    Announcements go only to those who consented to receive news; an emergency alert goes to everyone
    reachable in the affected units (see docs/campaigns.md, "Consent and alerts").
    """
    now = now or timezone.now()
    unit_ids = unit_ids_under(list(campaign.target_units.all()))
    qs = Citizen.objects.present().filter(home_unit_id__in=unit_ids)
    if campaign.kind != CampaignKind.ALERT:
        qs = qs.filter(
            Exists(Consent.objects.active().filter(citizen=OuterRef("pk"), purpose=ConsentPurpose.NEWS))
        )
    if campaign.languages:
        wanted = list(campaign.languages)
        qs = qs.filter(
            Q(preferred_language__in=wanted) | (Q(preferred_language="") if "vi" in wanted else Q(pk__in=[]))
        )
    if campaign.segment is not None:
        qs = segment_filter(qs, campaign.segment)
    conditions = _reach_conditions(campaign, now)
    channel = Case(
        *[When(condition, then=Value(kind)) for kind, condition in conditions.items()],
        default=Value(""),
        output_field=CharField(),
    )
    languages = approved_languages(campaign)
    return qs.order_by().annotate(
        d_channel=channel,
        d_language=Case(
            When(preferred_language__in=languages, then=F("preferred_language")),
            default=Value("vi"),
            output_field=CharField(),
        ),
        d_unit=Case(
            When(home_unit__level=UnitLevel.VILLAGE, then=F("home_unit__parent_id")),
            default=F("home_unit_id"),
            output_field=IntegerField(),
        ),
        **{
            f"can_{kind}": Case(
                When(cond, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
            for kind, cond in conditions.items()
        },
    )


@dataclass(frozen=True)
class AudienceCount:
    total: int
    by_channel: dict[str, int]  # the channel each citizen will get (the first that reaches them)
    reachable: dict[str, int]  # how many each channel could reach on its own
    unreachable: int


def audience_count(campaign: Campaign) -> AudienceCount:
    """The live count shown before sending: one aggregate query, nothing loaded."""
    qs = audience(campaign)
    kinds = [k for k in campaign.personal_channels if f"can_{k}" in qs.query.annotations]
    aggregates = {"total": Count("pk")}
    aggregates |= {f"r_{k}": Count("pk", filter=Q(**{f"can_{k}": True})) for k in kinds}
    totals = qs.aggregate(**aggregates)
    grouped = qs.values(*["d_channel"]).annotate(n=Count("pk"))  # an annotation, not a field
    by_channel = {row["d_channel"]: row["n"] for row in grouped}
    return AudienceCount(
        total=totals["total"],
        by_channel={k: by_channel.get(k, 0) for k in campaign.personal_channels},
        reachable={k: totals[f"r_{k}"] for k in kinds},
        unreachable=by_channel.get("", 0),
    )


def deliveries_insert(campaign: Campaign, *, now: dt.datetime | None = None) -> int:
    """Fill the outbox in one ``INSERT … SELECT``; running it twice adds nobody twice."""
    now = now or timezone.now()
    qs = audience(campaign, now=now).annotate(
        d_campaign=Value(campaign.pk, output_field=IntegerField()),
        d_status=Case(
            When(d_channel="", then=Value(DeliveryStatus.FAILED.value)),
            default=Value(DeliveryStatus.QUEUED.value),
            output_field=CharField(),
        ),
        d_error=Case(
            When(d_channel="", then=Value(UNREACHABLE)), default=Value(""), output_field=CharField()
        ),
        d_now=Value(now, output_field=DateTimeField()),
        d_finished=Case(
            When(d_channel="", then=Value(now, output_field=DateTimeField())),
            default=Value(None, output_field=DateTimeField()),
            output_field=DateTimeField(),
        ),
        d_blank=Value("", output_field=CharField()),
        d_zero=Value(0, output_field=IntegerField()),
        d_cost=Value(0, output_field=DecimalField(max_digits=10, decimal_places=0)),
    )
    columns = {
        "campaign_id": "d_campaign",
        "citizen_id": "id",
        "unit_id": "d_unit",
        "channel": "d_channel",
        "language": "d_language",
        "status": "d_status",
        "attempts": "d_zero",
        "next_attempt_at": "d_now",
        "created_at": "d_now",
        "finished_at": "d_finished",
        "provider_message_id": "d_blank",
        "error_code": "d_error",
        "error_class": "d_blank",
        "error_message": "d_blank",
        "cost_vnd": "d_cost",
    }
    values = ["id", *sorted({v for v in columns.values() if v != "id"})]
    select_sql, params = qs.values(*values).query.get_compiler(using=qs.db).as_sql()
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(Delivery._meta.db_table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 - names from the models, values bound
        f"SELECT {', '.join('s.' + q(v) for v in columns.values())} FROM ({select_sql}) s WHERE 1 = 1 "
        f"ON CONFLICT ({q('campaign_id')}, {q('citizen_id')}) DO NOTHING"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            added = max(cursor.rowcount, 0)
        if added:
            counts.rebuild(campaign)  # before any sender starts: the first count is the table's
        return added


def language_names() -> dict[str, str]:
    return dict(settings.CAUNOI_CONTENT_LANGUAGES)
