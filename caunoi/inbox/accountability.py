"""Công khai kết quả giải quyết: per commune, how many cases residents raised there, how many were
answered on time, how many are overdue now, and how satisfied residents were with the answers.

One grouped query over the petition table (indexed by commune and status) per province and year,
kept in the cache for ``CACHE_SECONDS``: the public page never scans petitions per view. Counts are
by the commune where the matter is, whoever handles it now (a case escalated to the province still
counts for the commune it came from). Satisfaction is an opinion, so it is shown only from
``MIN_RATINGS`` ratings on (small cells suppressed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, Q
from django.utils import timezone

from caunoi.geo.models import Unit, UnitLevel
from caunoi.inbox.models import Petition, PetitionStatus

CACHE_SECONDS = 300
MIN_RATINGS = 5


@dataclass(frozen=True)
class CommuneRecord:
    code: str
    name: str
    received: int
    answered: int
    answered_on_time: int
    overdue: int
    ratings: int
    average_rating: float | None  # None below MIN_RATINGS
    satisfied_share: float | None  # rated 4 or 5, as a share of ratings; None below MIN_RATINGS

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.answered_on_time / self.answered) if self.answered else None

    @property
    def satisfied_percent(self) -> int | None:
        return round(100 * self.satisfied_share) if self.satisfied_share is not None else None


@dataclass(frozen=True)
class Table:
    province: Unit
    year: int
    rows: list[CommuneRecord]
    computed_at: dt.datetime

    @property
    def total(self) -> CommuneRecord:
        ratings = sum(r.ratings for r in self.rows)
        rated = [r for r in self.rows if r.average_rating is not None]
        return CommuneRecord(
            code=self.province.code,
            name=self.province.name,
            received=sum(r.received for r in self.rows),
            answered=sum(r.answered for r in self.rows),
            answered_on_time=sum(r.answered_on_time for r in self.rows),
            overdue=sum(r.overdue for r in self.rows),
            ratings=ratings,
            average_rating=(
                sum((r.average_rating or 0) * r.ratings for r in rated) / sum(r.ratings for r in rated)
                if rated
                else None
            ),
            satisfied_share=(
                sum((r.satisfied_share or 0) * r.ratings for r in rated) / sum(r.ratings for r in rated)
                if rated
                else None
            ),
        )


def _compute(province: Unit, year: int, now: dt.datetime) -> Table:
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_default_timezone())
    end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_default_timezone())
    open_now = Q(status__in=PetitionStatus.open_values(), paused_at__isnull=True, due_at__lt=now)
    counts: dict[int, dict[str, Any]] = {
        row["commune_id"]: dict(row)
        for row in Petition.objects.filter(
            commune__parent=province, received_at__gte=start, received_at__lt=end, merged_into__isnull=True
        )
        .values("commune_id")
        .annotate(
            received=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            answered_on_time=Count("id", filter=Q(answered_on_time=True)),
            overdue=Count("id", filter=open_now),
            ratings=Count("id", filter=Q(rating__isnull=False)),
            satisfied=Count("id", filter=Q(rating__gte=4)),
            average=Avg("rating"),
        )
        .order_by()
    }
    rows = []
    communes = Unit.objects.active().filter(parent=province, level=UnitLevel.COMMUNE).order_by("name")
    for commune in communes.only("pk", "code", "name"):
        c = counts.get(commune.pk, {})
        ratings = c.get("ratings", 0)
        shown = ratings >= MIN_RATINGS
        rows.append(
            CommuneRecord(
                code=commune.code,
                name=commune.name,
                received=c.get("received", 0),
                answered=c.get("answered", 0),
                answered_on_time=c.get("answered_on_time", 0),
                overdue=c.get("overdue", 0),
                ratings=ratings,
                average_rating=float(c["average"]) if shown and c.get("average") is not None else None,
                satisfied_share=c.get("satisfied", 0) / ratings if shown else None,
            )
        )
    return Table(province=province, year=year, rows=rows, computed_at=now)


def commune_table(*, province: Unit, year: int | None = None, fresh: bool = False) -> Table:
    """The table for one province and year (default: this year), from the cache when it is recent."""
    now = timezone.now()
    year = year or timezone.localtime(now).year
    key = f"inbox.accountability:{province.pk}:{year}"
    if not fresh:
        cached = cache.get(key)
        if isinstance(cached, Table):
            return cached
    table = _compute(province, year, now)
    cache.set(key, table, CACHE_SECONDS)
    return table
