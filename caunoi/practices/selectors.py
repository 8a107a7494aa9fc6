"""Reads of the registry, always scoped to the viewer.

Who reads what: a commune sees its own practices at every stage; anyone with ``practices.view`` reads
the *recognised* practices of their province (good practice is meant to spread); a committee member
reads what their committee evaluates. Drafts never leave their commune's scope. Out of scope answers
the same "not found" as missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from caunoi.accounts.models import RoleAssignment, User
from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.core.text import fold
from caunoi.practices.models import (
    LEVEL_RANK,
    Committee,
    CommitteeMember,
    Evaluation,
    Evidence,
    Level,
    Practice,
    PracticeField,
    PracticeStatus,
    Replication,
    ReplicationStatus,
    Score,
)
from caunoi.practices.scoring import Result, member_total, weighted_result


def stale_days() -> int:
    """How many quiet days make a replication "waiting for an update" (``CAUNOI_PRACTICES_STALE_DAYS``)."""
    return int(settings.CAUNOI_PRACTICES_STALE_DAYS)


def province_paths(viewer: Viewer) -> list[str]:
    """The provinces (``VN/08/``) the viewer works in: recognised practices are read province-wide."""
    paths = set()
    for prefix in viewer.prefixes(Capability.VIEW_PRACTICES):
        parts = prefix.strip("/").split("/")
        if len(parts) >= 2:
            paths.add("/".join(parts[:2]) + "/")
    return sorted(paths)


def _member_of_evaluating_committee(viewer: Viewer) -> Q:
    if viewer.user is None:
        return Q(pk__in=[])
    return Q(
        Exists(
            CommitteeMember.objects.filter(user=viewer.user, committee__evaluations__practice=OuterRef("pk"))
        )
    )


def readable_q(viewer: Viewer) -> Q:
    if not viewer.can(Capability.VIEW_PRACTICES):
        return Q(pk__in=[])
    q = viewer.unit_q(Capability.VIEW_PRACTICES, "unit")
    provinces = province_paths(viewer)
    if provinces:
        recognised = Q()
        for path in provinces:
            recognised |= Q(unit__path__startswith=path)
        q |= Q(status=PracticeStatus.RECOGNISED) & recognised
    return q | _member_of_evaluating_committee(viewer)


@dataclass(frozen=True)
class PracticeFilters:
    search: str = ""
    field: str = ""
    year: int | None = None
    status: str = ""
    level: str = ""
    unit_id: int | None = None
    mine: bool = False  # only practices of the viewer's own units (all stages), not the province's recognised


def practice_list(*, viewer: Viewer, filters: PracticeFilters | None = None) -> QuerySet[Practice]:
    """Practices the viewer may read; the search ignores diacritics and needs every word to match."""
    filters = filters or PracticeFilters()
    qs = Practice.objects.filter(readable_q(viewer))
    if filters.mine:
        qs = qs.filter(viewer.unit_q(Capability.VIEW_PRACTICES, "unit"))
    for word in fold(filters.search).split()[:8]:
        qs = qs.filter(search_folded__contains=word)
    if filters.field:
        qs = qs.filter(field=filters.field)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.level:
        qs = qs.filter(recognised_level=filters.level)
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    return (
        qs.select_related("unit")
        .annotate(
            replication_count=Count("replications", filter=~Q(replications__status=ReplicationStatus.STOPPED))
        )
        .order_by("-year", "-updated_at", "-id")
    )


def access_practice(
    viewer: Viewer, practice_id: int, *, manage: bool = False, for_update: bool = False
) -> Practice:
    """One practice the viewer may read, or (``manage``) change as its registering commune."""
    q = viewer.unit_q(Capability.REGISTER_PRACTICES, "unit") if manage else readable_q(viewer)
    qs = Practice.objects.filter(q).select_related("unit", "created_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    practice = qs.filter(pk=practice_id).first()
    if practice is None:
        raise NotFound()
    return practice


def access_evidence(viewer: Viewer, evidence_id: int, *, manage: bool = False) -> Evidence:
    item = Evidence.objects.filter(pk=evidence_id).select_related("practice", "practice__unit").first()
    if item is None:
        raise NotFound()
    access_practice(viewer, item.practice_id, manage=manage)
    return item


def can_manage(viewer: Viewer, practice: Practice) -> bool:
    return viewer.covers(Capability.REGISTER_PRACTICES, practice.unit)


def can_evaluate(viewer: Viewer, unit: Any) -> bool:
    return viewer.covers(Capability.MANAGE_EVALUATIONS, unit)


def is_from_commune_of(user: User, practice: Practice) -> bool:
    """Whether the member holds a role in the practice's own unit (or one of its villages)."""
    return (
        RoleAssignment.objects.active().filter(user=user, unit__path__startswith=practice.unit.path).exists()
    )


# Committees and evaluations ------------------------------------------------------------------------


def committee_list(*, viewer: Viewer) -> QuerySet[Committee]:
    """Committees the viewer manages (evaluation rights over the committee's unit) or sits on."""
    q = viewer.unit_q(Capability.MANAGE_EVALUATIONS, "unit")
    if viewer.user is not None:
        q |= Q(Exists(CommitteeMember.objects.filter(committee=OuterRef("pk"), user=viewer.user)))
    return (
        Committee.objects.filter(q)
        .select_related("unit")
        .annotate(
            member_count=Count("members", distinct=True), evaluation_count=Count("evaluations", distinct=True)
        )
    )


def access_committee(viewer: Viewer, committee_id: int, *, manage: bool = False) -> Committee:
    qs = Committee.objects.filter(pk=committee_id).select_related("unit")
    committee = qs.first()
    if committee is None:
        raise NotFound()
    if can_evaluate(viewer, committee.unit):
        return committee
    if not manage and viewer.user is not None and committee.members.filter(user=viewer.user).exists():
        return committee
    raise NotFound()


def access_evaluation(viewer: Viewer, evaluation_id: int, *, manage: bool = False) -> Evaluation:
    evaluation = (
        Evaluation.objects.filter(pk=evaluation_id)
        .select_related("practice", "practice__unit", "committee", "committee__unit")
        .first()
    )
    if evaluation is None:
        raise NotFound()
    access_committee(viewer, evaluation.committee_id, manage=manage)
    return evaluation


def is_member(user: Any, committee: Committee) -> bool:
    return bool(getattr(user, "pk", None)) and committee.members.filter(user_id=user.pk).exists()


def evaluable_practices(*, committee: Committee) -> QuerySet[Practice]:
    """What this committee could take up: submitted practices of its area, or ones recognised lower down."""
    lower = [lv for lv in Level.values if LEVEL_RANK[lv] < LEVEL_RANK[committee.level]]
    return (
        Practice.objects.filter(unit__path__startswith=committee.unit.path, year__lte=committee.year)
        .filter(
            Q(status=PracticeStatus.SUBMITTED)
            | Q(status=PracticeStatus.RECOGNISED, recognised_level__in=lower)
        )
        .exclude(evaluations__committee=committee)
        .select_related("unit")
    )


def evaluation_result(evaluation: Evaluation) -> Result:
    """The weighted result of the sheets so far (see ``scoring``)."""
    weights = dict(evaluation.committee.criteria.values_list("key", "weight"))
    sheets: dict[int, dict[str, Decimal]] = {}
    for member_id, key, value in evaluation.scores.values_list("member_id", "criterion__key", "value"):
        sheets.setdefault(member_id, {})[key] = value
    return weighted_result(weights, list(sheets.values()))


@dataclass(frozen=True)
class MemberSheet:
    member: User
    scores: dict[str, Decimal]
    total: Decimal | None


@dataclass(frozen=True)
class EvaluationSummary:
    evaluation: Evaluation
    criteria: list[tuple[str, str, int]]  # key, label, weight
    sheets: list[MemberSheet]
    result: Result
    waiting: list[User] = field(default_factory=list)  # members who have not scored yet


def evaluation_summary(evaluation: Evaluation) -> EvaluationSummary:
    """Every member's sheet and the result with its spread, in four queries."""
    committee = evaluation.committee
    criteria = [(c.key, str(c.get_key_display()), c.weight) for c in committee.criteria.all()]
    weights = {key: weight for key, _label, weight in criteria}
    by_member: dict[int, dict[str, Decimal]] = {}
    members: dict[int, User] = {}
    for score in Score.objects.filter(evaluation=evaluation).select_related("member", "criterion"):
        by_member.setdefault(score.member_id, {})[score.criterion.key] = score.value
        members[score.member_id] = score.member
    sheets = [
        MemberSheet(members[mid], values, member_total(weights, values))
        for mid, values in sorted(by_member.items(), key=lambda kv: str(members[kv[0]]))
    ]
    waiting = [m.user for m in committee.members.select_related("user") if m.user_id not in by_member]
    return EvaluationSummary(
        evaluation=evaluation,
        criteria=criteria,
        sheets=sheets,
        result=weighted_result(weights, list(by_member.values())),
        waiting=waiting,
    )


def evaluation_list(*, viewer: Viewer) -> QuerySet[Evaluation]:
    """Evaluations of committees the viewer manages or sits on, for the export and the API."""
    committees = committee_list(viewer=viewer).values("pk")
    return (
        Evaluation.objects.filter(committee__in=committees)
        .select_related("practice", "practice__unit", "committee")
        .order_by("-opened_at", "-id")
    )


# Replication -------------------------------------------------------------------------------------


def replication_list(*, viewer: Viewer, source: Practice | None = None) -> QuerySet[Replication]:
    """Replications by the viewer's communes, or of practices the viewer may read (where they spread)."""
    readable = Practice.objects.filter(readable_q(viewer)).values("pk")
    q = viewer.unit_q(Capability.VIEW_PRACTICES, "unit") | Q(source__in=readable)
    qs = Replication.objects.filter(q)
    if source is not None:
        qs = qs.filter(source=source)
    return qs.select_related("unit", "source", "source__unit")


def access_replication(viewer: Viewer, replication_id: int, *, manage: bool = False) -> Replication:
    if manage:
        qs = Replication.objects.filter(viewer.unit_q(Capability.REGISTER_PRACTICES, "unit"))
    else:
        qs = replication_list(viewer=viewer)
    replication = qs.filter(pk=replication_id).select_related("unit", "source", "source__unit").first()
    if replication is None:
        raise NotFound()
    return replication


@dataclass(frozen=True)
class Spread:
    practice: Practice
    replications: list[Replication]

    @property
    def communes(self) -> int:
        return len({r.unit_id for r in self.replications if r.status != ReplicationStatus.STOPPED})

    @property
    def completed(self) -> int:
        return sum(1 for r in self.replications if r.status == ReplicationStatus.COMPLETED)

    @property
    def beneficiaries(self) -> int:
        return sum(r.beneficiaries for r in self.replications)


def spread_overview(*, viewer: Viewer, year: int | None = None) -> list[Spread]:
    """Nơi mô hình lan toả: every readable recognised practice with the communes that adopted it."""
    practices = Practice.objects.filter(readable_q(viewer)).recognised().select_related("unit")
    if year:
        practices = practices.filter(recognised_year=year)
    listed = list(practices.order_by("-recognised_year", "title")[:500])
    by_source: dict[int, list[Replication]] = {p.pk: [] for p in listed}
    for replication in (
        Replication.objects.filter(source__in=listed).select_related("unit").order_by("unit__name")
    ):
        by_source[replication.source_id].append(replication)
    spreads = [Spread(p, by_source[p.pk]) for p in listed]
    return sorted(spreads, key=lambda s: (-s.communes, s.practice.title))


def stale_replications(*, viewer: Viewer, now: dt.datetime | None = None) -> QuerySet[Replication]:
    cutoff = (now or timezone.now()) - dt.timedelta(days=stale_days())
    return (
        Replication.objects.filter(viewer.unit_q(Capability.VIEW_PRACTICES, "unit"))
        .filter(status=ReplicationStatus.IN_PROGRESS, last_update_at__lt=cutoff)
        .select_related("unit", "source")
    )


# Dashboard ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearCounts:
    year: int
    by_field: list[tuple[str, int, int]]  # label, registered, recognised
    by_level: list[tuple[str, int]]  # label, recognised that year
    replications: int
    stale: int

    @property
    def biggest(self) -> int:
        return max([n for _l, n, _r in self.by_field] + [1])


def year_counts(*, viewer: Viewer, year: int) -> YearCounts:
    """Mô hình per field and recognitions per level this year, in the viewer's own scope."""
    own = Practice.objects.filter(viewer.unit_q(Capability.VIEW_PRACTICES, "unit"))
    registered = dict(
        own.filter(year=year).values_list("field").annotate(n=Count("id")).values_list("field", "n")
    )
    recognised = dict(
        own.filter(year=year, status=PracticeStatus.RECOGNISED)
        .values_list("field")
        .annotate(n=Count("id"))
        .values_list("field", "n")
    )
    levels = dict(
        own.filter(recognised_year=year, status=PracticeStatus.RECOGNISED)
        .values_list("recognised_level")
        .annotate(n=Count("id"))
        .values_list("recognised_level", "n")
    )
    return YearCounts(
        year=year,
        by_field=[
            (str(f.label), registered.get(f.value, 0), recognised.get(f.value, 0)) for f in PracticeField
        ],
        by_level=[(str(lv.label), levels.get(lv.value, 0)) for lv in Level],
        replications=Replication.objects.filter(
            viewer.unit_q(Capability.VIEW_PRACTICES, "unit"), year=year
        ).count(),
        stale=stale_replications(viewer=viewer).count(),
    )


# Finding what works ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    practice: Practice
    score: float


def practices_similar(
    *, viewer: Viewer | None, text: str, exclude: Sequence[int] = (), limit: int = 5
) -> list[Similar]:
    """ "Communes with this problem used these models": recognised practices whose problem and method
    read like ``text`` (TF-IDF on character n-grams of folded text, so typing without diacritics works)."""
    from caunoi.practices.similarity import rank

    ranked = rank(text, limit=limit * 4 + len(exclude))
    if not ranked:
        return []
    ids = [pk for pk, _score in ranked if pk not in set(exclude)]
    qs = Practice.objects.recognised().filter(pk__in=ids).select_related("unit")
    if viewer is not None:
        qs = qs.filter(readable_q(viewer))
    found = {p.pk: p for p in qs}
    scores = dict(ranked)
    return [Similar(found[pk], scores[pk]) for pk in ids if pk in found][:limit]


def practices_for_topic(
    *, text: str = "", keywords: Sequence[str] = (), viewer: Viewer | None = None, limit: int = 5
) -> list[Similar]:
    """For other apps: the recognised models that addressed an opinion topic or a petition category.

    Pass the topic's description as ``text`` and/or its keywords; with a ``viewer`` the answer is
    limited to what that viewer may read (their province's recognised models). Nobody asked, so only
    close matches are offered (``SUGGEST_MIN_SCORE``).
    """
    return practices_for_topics([(text, keywords)], viewer=viewer, limit=limit)[0]


def practices_for_topics(
    topics: Sequence[tuple[str, Sequence[str]]], *, viewer: Viewer | None = None, limit: int = 5
) -> list[list[Similar]]:
    """``practices_for_topic`` for a page of topics, each a (text, keywords) pair: one look at the
    index and one query for all of them, however many topics the page lists."""
    from caunoi.practices.similarity import SUGGEST_MIN_SCORE, rank_many

    if viewer is not None and not viewer.can(Capability.VIEW_PRACTICES):
        return [[] for _ in topics]
    ranked = rank_many(
        [" ".join([text, *keywords]).strip() for text, keywords in topics],
        limit=limit * 4,
        min_score=SUGGEST_MIN_SCORE,
    )
    ids = {pk for found in ranked for pk, _score in found}
    qs = Practice.objects.recognised().filter(pk__in=ids).select_related("unit")
    if viewer is not None:
        qs = qs.filter(readable_q(viewer))
    practices = {p.pk: p for p in qs} if ids else {}
    return [
        [Similar(practices[pk], score) for pk, score in found if pk in practices][:limit] for found in ranked
    ]
