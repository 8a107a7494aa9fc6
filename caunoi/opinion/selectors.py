"""Reads of public opinion, each scoped to the viewer.

Dashboards read the count table and the contributor marks only. A cell (topic, commune, day range)
whose distinct citizens are fewer than k is *suppressed*: its numbers are not returned at all.
Messages themselves are shown only to staff who may read those communes' messages anyway
(VIEW_INBOX), and always redacted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.geo.models import Unit
from caunoi.opinion.models import (
    AnalysedMessage,
    Answer,
    ContributorMark,
    EmergingStatus,
    EmergingTopic,
    FieldReport,
    Question,
    QuestionKind,
    Sentiment,
    SpikeAlert,
    Survey,
    SurveyStatus,
    Topic,
    TopicDayCount,
)
from caunoi.opinion.services import min_cell

FIELDS = ("messages", "negative", "neutral", "positive", "urgent")


@dataclass
class Cell:
    messages: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    urgent: int = 0
    people: int = 0
    suppressed: bool = True

    def add(self, row: Mapping[str, Any]) -> None:
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))

    def share(self, name: str) -> float:
        return getattr(self, name) / self.messages if self.messages else 0.0


def _finish(cell: Cell, people: int, k: int) -> Cell:
    """Apply the small-cell rule: below k people, nothing but the fact of suppression remains."""
    if people < k:
        return Cell()
    cell.people = people
    cell.suppressed = False
    return cell


@dataclass
class TopicRow:
    topic: Topic
    current: Cell
    previous: Cell

    @property
    def change(self) -> float | None:
        """Period-over-period change in %, or None when either period is suppressed or empty."""
        if self.current.suppressed or self.previous.suppressed or not self.previous.messages:
            return None
        return round(100.0 * (self.current.messages - self.previous.messages) / self.previous.messages, 1)


@dataclass
class Dashboard:
    days: int
    start: dt.date
    end: dt.date  # inclusive
    k: int
    total: Cell
    previous_total: Cell
    topics: list[TopicRow]
    daily: list[tuple[dt.date, int | None]]  # None: suppressed day
    communes: list[Unit]
    heat: dict[tuple[int, int], Cell]  # (unit id, topic id) → cell
    spikes: list[SpikeAlert] = field(default_factory=list)
    emerging: list[EmergingTopic] = field(default_factory=list)


def _people(marks: QuerySet[ContributorMark], *keys: str) -> dict[tuple[Any, ...], int]:
    """Distinct citizens per key. Pseudonyms change monthly, so a person counts once per month; the
    largest monthly count is a lower bound of the people in the range, never an over-count."""
    best: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in marks.values(*keys, "month").annotate(n=Count("mark", distinct=True)):
        key = tuple(row[k] for k in keys)
        best[key] = max(best[key], row["n"])
    return best


def _people_at_least(
    k: int,
    floors: Mapping[tuple[Any, ...], int],
    messages: Mapping[tuple[Any, ...], int],
    marks: QuerySet[ContributorMark],
    *keys: str,
) -> dict[tuple[Any, ...], int]:
    """People per key, as far as the small-cell rule needs to know: the floor (the busiest day's
    people, from the count table) where it already reaches k, and a count of the marks only for the
    keys whose floor is below k although their messages could still come from k people. The marks
    are read for a few quiet cells instead of the whole area: what keeps the province page fast."""
    people = dict(floors)
    uncertain = [key for key, n in messages.items() if floors.get(key, 0) < k <= n]
    if uncertain:
        narrowed = marks
        for i, name in enumerate(keys):
            narrowed = narrowed.filter(**{f"{name}__in": {key[i] for key in uncertain}})
        exact = _people(narrowed, *keys)
        for key in uncertain:
            people[key] = max(floors.get(key, 0), exact.get(key, 0))
    return people


def dashboard(*, viewer: Viewer, today: dt.date, days: int = 7, heat_rows: int = 15) -> Dashboard:
    k = min_cell()
    scope = viewer.unit_q(Capability.VIEW_OPINION, "unit")
    start = today - dt.timedelta(days=days - 1)
    previous_start = start - dt.timedelta(days=days)
    counts = TopicDayCount.objects.filter(scope)
    marks = ContributorMark.objects.filter(scope)
    window = Q(day__gte=start, day__lte=today)
    before = Q(day__gte=previous_start, day__lt=start)
    sums: dict[str, Any] = {name: Sum(name) for name in FIELDS}
    floor = Max("people")

    topics = list(Topic.objects.filter(active=True))
    current_by: dict[tuple[int, int], Mapping[str, Any]] = {
        (r["unit_id"], r["topic_id"]): r
        for r in counts.filter(window).values("unit_id", "topic_id").annotate(**sums, floor=floor)
    }
    previous_by: dict[int, Mapping[str, Any]] = {
        r["topic_id"]: r for r in counts.filter(before).values("topic_id").annotate(**sums, floor=floor)
    }
    daily_rows: dict[dt.date, Mapping[str, Any]] = {
        r["day"]: r for r in counts.filter(window).values("day").annotate(n=Sum("messages"), floor=floor)
    }

    cell_floor = {key: row["floor"] or 0 for key, row in current_by.items()}
    topic_floor: dict[tuple[Any, ...], int] = defaultdict(int)
    topic_messages: dict[tuple[Any, ...], int] = defaultdict(int)
    for (_unit_id, topic_id), row in current_by.items():
        topic_floor[(topic_id,)] = max(topic_floor[(topic_id,)], row["floor"] or 0)
        topic_messages[(topic_id,)] += row["messages"] or 0
    cell_messages = {key: row["messages"] or 0 for key, row in current_by.items()}
    people_cell = _people_at_least(k, cell_floor, cell_messages, marks.filter(window), "unit_id", "topic_id")
    people_topic = _people_at_least(k, topic_floor, topic_messages, marks.filter(window), "topic_id")
    people_all = _people_at_least(
        k,
        {(): max(topic_floor.values(), default=0)},
        {(): sum(topic_messages.values())},
        marks.filter(window),
    )
    before_floor = {(t,): row["floor"] or 0 for t, row in previous_by.items()}
    before_messages = {(t,): row["messages"] or 0 for t, row in previous_by.items()}
    people_topic_before = _people_at_least(k, before_floor, before_messages, marks.filter(before), "topic_id")
    people_all_before = _people_at_least(
        k,
        {(): max(before_floor.values(), default=0)},
        {(): sum(before_messages.values())},
        marks.filter(before),
    )
    people_day = _people_at_least(
        k,
        {(d,): row["floor"] or 0 for d, row in daily_rows.items()},
        {(d,): row["n"] or 0 for d, row in daily_rows.items()},
        marks.filter(window),
        "day",
    )

    total, previous_total = Cell(), Cell()
    by_topic: dict[int, Cell] = defaultdict(Cell)
    by_unit: dict[int, int] = defaultdict(int)
    for (unit_id, topic_id), row in current_by.items():
        total.add(row)
        by_topic[topic_id].add(row)
        by_unit[unit_id] += row["messages"] or 0
    rows = []
    for topic in topics:
        previous = Cell()
        if topic.pk in previous_by:
            previous.add(previous_by[topic.pk])
            previous_total.add(previous_by[topic.pk])
        rows.append(
            TopicRow(
                topic,
                _finish(by_topic.get(topic.pk, Cell()), people_topic.get((topic.pk,), 0), k),
                _finish(previous, people_topic_before.get((topic.pk,), 0), k),
            )
        )

    daily_counts = {day: row["n"] for day, row in daily_rows.items()}
    daily: list[tuple[dt.date, int | None]] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        shown = people_day.get((day,), 0) >= k or not daily_counts.get(day)
        daily.append((day, daily_counts.get(day, 0) if shown else None))

    top_units = sorted(by_unit, key=lambda u: -by_unit[u])[:heat_rows]
    communes = sorted(Unit.objects.filter(pk__in=top_units), key=lambda u: -by_unit[u.pk])
    heat = {}
    for (unit_id, topic_id), row in current_by.items():
        if unit_id in top_units:
            cell = Cell()
            cell.add(row)
            heat[(unit_id, topic_id)] = _finish(cell, people_cell.get((unit_id, topic_id), 0), k)

    board = Dashboard(
        days=days,
        start=start,
        end=today,
        k=k,
        total=_finish(total, people_all.get((), 0), k),
        previous_total=_finish(previous_total, people_all_before.get((), 0), k),
        topics=rows,
        daily=daily,
        communes=communes,
        heat=heat,
        spikes=list(spike_list(viewer=viewer)[:10]),
        emerging=list(emerging_list(viewer=viewer)[:5]),
    )
    _protect_sums(
        board,
        raw_total=total.messages,
        raw_previous_total=previous_total.messages,
        current_by=current_by,
        previous_by=previous_by,
        daily_counts=daily_counts,
        small_cells={key for key in current_by if people_cell.get(key, 0) < k},
    )
    rows.sort(key=lambda r: (r.current.suppressed, -r.current.messages, r.topic.order))
    return board


def _protect_sums(
    board: Dashboard,
    *,
    raw_total: int,
    raw_previous_total: int,
    current_by: Mapping[tuple[int, int], Mapping[str, Any]],
    previous_by: Mapping[int, Mapping[str, Any]],
    daily_counts: Mapping[dt.date, int],
    small_cells: set[tuple[int, int]],
) -> None:
    """Complementary suppression over the board's sums (``opinion.suppression``): a figure hidden by
    the small-cell rule must not come back as a total minus the figures shown beside it.

    The sums: the period's total over every topic (inactive ones count, unshown) and over the days;
    the previous total over the topic rows; each topic over its communes (those below the heat map's
    rows are unpublished, so unknown to the reader).
    """
    from caunoi.opinion.suppression import Figure, Sum, protect

    on_hide: dict[int, Callable[[], None]] = {}

    def shown(value: int, hidden: bool, hide: Callable[[], None]) -> Figure:
        """A published figure; when the small-cell rule hid it, it is one that must stay unknown."""
        made = Figure(value=value, hidden=hidden, small=hidden)
        on_hide[id(made)] = hide
        return made

    def hide_row(row: TopicRow, period: str) -> Callable[[], None]:
        return lambda: setattr(row, period, Cell())

    def hide_day(index: int, day: dt.date) -> Callable[[], None]:
        return lambda: board.daily.__setitem__(index, (day, None))

    def hide_cell(key: tuple[int, int]) -> Callable[[], None]:
        return lambda: board.heat.__setitem__(key, Cell())

    total = shown(raw_total, board.total.suppressed, lambda: setattr(board, "total", Cell()))
    previous = shown(
        raw_previous_total, board.previous_total.suppressed, lambda: setattr(board, "previous_total", Cell())
    )
    by_topic: dict[int, int] = defaultdict(int)
    for (_unit_id, topic_id), row in current_by.items():
        by_topic[topic_id] += row["messages"] or 0
    rows = {row.topic.pk: row for row in board.topics}
    topic_figures = {
        pk: shown(by_topic.get(pk, 0), row.current.suppressed, hide_row(row, "current"))
        for pk, row in rows.items()
    }
    unshown_topics = [Figure(value=n, hidden=True) for pk, n in by_topic.items() if pk not in rows]
    previous_figures = [
        shown(
            previous_by.get(pk, {}).get("messages") or 0, row.previous.suppressed, hide_row(row, "previous")
        )
        for pk, row in rows.items()
    ]
    days = [
        shown(daily_counts.get(day, 0), value is None, hide_day(index, day))
        for index, (day, value) in enumerate(board.daily)
    ]
    sums = [
        Sum(total, [*topic_figures.values(), *unshown_topics]),
        Sum(previous, previous_figures),
        Sum(total, days),
    ]
    communes: dict[int, list[Figure]] = defaultdict(list)
    for key, row in current_by.items():
        cell = board.heat.get(key)
        value = row["messages"] or 0
        communes[key[1]].append(
            Figure(value=value, hidden=True, small=key in small_cells)
            if cell is None
            else shown(value, cell.suppressed, hide_cell(key))
        )
    sums += [Sum(topic_figures[pk], parts) for pk, parts in communes.items() if pk in topic_figures]

    for figure in protect(sums):
        if id(figure) in on_hide:
            on_hide[id(figure)]()


def spike_list(*, viewer: Viewer, open_only: bool = True) -> QuerySet[SpikeAlert]:
    qs = SpikeAlert.objects.filter(viewer.unit_q(Capability.VIEW_OPINION, "unit")).select_related(
        "topic", "unit"
    )
    return qs.filter(acknowledged_at__isnull=True) if open_only else qs


def access_spike(viewer: Viewer, pk: int) -> SpikeAlert:
    alert = spike_list(viewer=viewer, open_only=False).filter(pk=pk).first()
    if alert is None:
        raise NotFound()
    return alert


def emerging_list(*, viewer: Viewer) -> QuerySet[EmergingTopic]:
    scope = Unit.objects.filter(viewer.unit_q(Capability.VIEW_OPINION))
    return (
        EmergingTopic.objects.filter(status=EmergingStatus.NEW, units__in=scope)
        .distinct()
        .select_related("main_topic")
        .order_by("-novelty", "-size")
    )


def access_emerging(viewer: Viewer, pk: int) -> EmergingTopic:
    emerging = emerging_list(viewer=viewer).filter(pk=pk).first()
    if emerging is None:
        raise NotFound()
    return emerging


def representatives(*, viewer: Viewer, emerging: EmergingTopic) -> list[AnalysedMessage]:
    """Only the representative messages of communes whose messages this viewer may read."""
    return list(
        emerging.representatives.filter(viewer.unit_q(Capability.VIEW_INBOX, "unit")).select_related("unit")
    )


def message_list(
    *,
    viewer: Viewer,
    topic_id: int | None = None,
    unit_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[AnalysedMessage]:
    """The drill-down: redacted messages, only of communes whose inbox this viewer may read."""
    qs = AnalysedMessage.objects.filter(viewer.unit_q(Capability.VIEW_INBOX, "unit")).select_related(
        "topic", "unit"
    )
    if topic_id is not None:
        qs = qs.filter(topic_id=topic_id)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return qs


def label_queue(*, viewer: Viewer, limit: int = 20) -> list[AnalysedMessage]:
    """Active learning: the least certain unlabelled messages first, among those the viewer may label
    and read."""
    qs = (
        AnalysedMessage.objects.filter(
            viewer.unit_q(Capability.LABEL_OPINION, "unit") & viewer.unit_q(Capability.VIEW_INBOX, "unit"),
            labelled=False,
        )
        .select_related("topic", "unit")
        .order_by("topic_score", "-id")
    )
    return list(qs[:limit])


def access_message_for_labelling(viewer: Viewer, pk: int) -> AnalysedMessage:
    qs = AnalysedMessage.objects.filter(
        viewer.unit_q(Capability.LABEL_OPINION, "unit") & viewer.unit_q(Capability.VIEW_INBOX, "unit"), pk=pk
    ).select_related("topic", "unit")
    message = qs.first()
    if message is None:
        raise NotFound()
    return message


def active_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(active=True)


# Surveys ----------------------------------------------------------------------------------------


def survey_list(*, viewer: Viewer) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(viewer.unit_q(Capability.VIEW_OPINION, "unit"))
        .select_related("unit")
        .annotate(n_responses=Count("responses", distinct=True))
    )


def open_surveys(*, viewer: Viewer) -> QuerySet[Survey]:
    """Open surveys a campaign writer may send: their units' and those of the units above them."""
    units = Unit.objects.filter(viewer.unit_q(Capability.WRITE_CAMPAIGNS))
    above = {prefix for unit in units for prefix in _path_prefixes(unit.path)}
    return Survey.objects.filter(status=SurveyStatus.OPEN, unit__path__in=above).select_related("unit")


def _path_prefixes(path: str) -> list[str]:
    """``VN/08/00694/`` → ``VN/``, ``VN/08/``, ``VN/08/00694/``."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def access_survey(viewer: Viewer, pk: int, *, manage: bool = False) -> Survey:
    capability = Capability.MANAGE_SURVEYS if manage else Capability.VIEW_OPINION
    survey = Survey.objects.filter(viewer.unit_q(capability, "unit"), pk=pk).select_related("unit").first()
    if survey is None:
        raise NotFound()
    return survey


@dataclass
class QuestionResult:
    question: Question
    answered: int
    counts: list[tuple[str, int]]  # choice or scale value → answers
    mean: float | None = None
    texts: list[str] = field(default_factory=list)  # redacted, for inbox readers only


@dataclass
class SurveyResults:
    responses: int
    k: int
    suppressed: bool
    questions: list[QuestionResult]


def survey_results(*, viewer: Viewer, survey: Survey) -> SurveyResults:
    """Live aggregate results; nothing at all below k responses. Free-text answers appear as moods
    and topics, and as redacted text only to staff who may read this unit's messages."""
    k = min_cell()
    responses = survey.responses.count()
    if responses < k:
        return SurveyResults(responses, k, True, [])
    show_texts = viewer.covers(Capability.VIEW_INBOX, survey.unit)
    answers = list(Answer.objects.filter(response__survey=survey).select_related("topic"))
    by_question: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_question[answer.question_id].append(answer)
    results = []
    for question in survey.questions.all():
        given = by_question.get(question.pk, [])
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            tally = [0] * len(question.choices)
            for a in given:
                for index in a.choices:
                    tally[index] += 1
            results.append(
                QuestionResult(question, len(given), list(zip(question.choices, tally, strict=True)))
            )
        elif question.kind == QuestionKind.SCALE:
            values = [a.scale for a in given if a.scale is not None]
            counts = [(str(v), values.count(v)) for v in range(1, 6)]
            mean = round(sum(values) / len(values), 2) if values else None
            results.append(QuestionResult(question, len(given), counts, mean))
        else:
            moods = [
                (str(label), sum(1 for a in given if a.sentiment == value))
                for value, label in Sentiment.choices
            ]
            texts = [a.text for a in given] if show_texts else []
            results.append(QuestionResult(question, len(given), moods, texts=texts))
    return SurveyResults(responses, k, False, results)


def field_report_units(*, viewer: Viewer) -> list[Unit]:
    """The communes a collaborator may report on: those their FIELD_REPORTS role covers."""
    from caunoi.geo.models import UnitLevel

    return list(
        Unit.objects.filter(viewer.unit_q(Capability.FIELD_REPORTS), level=UnitLevel.COMMUNE).order_by(
            "name"
        )[:500]
    )


def field_report_list(*, viewer: Viewer) -> QuerySet[FieldReport]:
    """Reports of the communes the viewer covers for opinion; their redacted remarks are the
    reporter's own account, shown to staff who may report or read that commune's messages."""
    scope = viewer.unit_q(Capability.FIELD_REPORTS, "unit") | viewer.unit_q(Capability.VIEW_INBOX, "unit")
    return FieldReport.objects.filter(scope).select_related("unit", "reported_by")


def field_reports_missing(*, viewer: Viewer, today: dt.date, limit: int = 200) -> list[Unit]:
    """Communes of the viewer's area that expect a monthly field report — someone there holds a role
    that reports — and have sent none this month: what the reminders are about."""
    from caunoi.accounts.models import RoleAssignment
    from caunoi.geo.models import UnitLevel
    from caunoi.opinion.services import REPORTING_ROLES

    scope = viewer.unit_q(Capability.FIELD_REPORTS) | viewer.unit_q(Capability.VIEW_OPINION)
    reporting = RoleAssignment.objects.active().filter(role__in=REPORTING_ROLES, user__is_active=True)
    reported = FieldReport.objects.filter(day__year=today.year, day__month=today.month)
    return list(
        Unit.objects.active()
        .filter(scope, level=UnitLevel.COMMUNE)
        .filter(pk__in=reporting.values("unit_id"))
        .exclude(pk__in=reported.values("unit_id"))
        .order_by("name")[:limit]
    )


def scope_name(viewer: Viewer) -> str:
    """The area a viewer's opinion figures cover, as a report's heading names it."""
    names = sorted(
        {g.unit_name for g in viewer.grants if g.unit_path in viewer.prefixes(Capability.VIEW_OPINION)}
    )
    return ", ".join(names)
