"""The ``/api/v1/opinion`` operations: text analysis and aggregates. There is deliberately no
operation that returns anything per citizen."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, viewer_of
from caunoi.opinion import selectors
from caunoi.opinion.analysis import MAX_CHARS, analyse
from caunoi.opinion.services import current_models

router = Router(tags=["opinion"])

MAX_TEXTS = 1000


class AnalyzeIn(Schema):
    texts: list[str] = Field(..., min_length=1, max_length=MAX_TEXTS)


class AnalysisOut(Schema):
    text_id: int
    topic: str | None
    topic_score: float
    sentiment: str | None
    urgency: float
    needs_moderation: bool
    sos_cues: list[str]
    skipped: str | None = Field(None, description="empty, too_long, binary or no_words")


class AnalyzeOut(Schema):
    results: list[AnalysisOut]


class TopicOut(Schema):
    key: str
    name: str
    description: str


class CellOut(Schema):
    topic: str
    unit_code: str | None = None
    messages: int | None = None  # null when fewer than k citizens: suppressed
    negative: int | None = None
    neutral: int | None = None
    positive: int | None = None
    urgent: int | None = None
    suppressed: bool


class CountsOut(Schema):
    start: str
    end: str
    k: int
    topics: list[CellOut]
    communes: list[CellOut]


def _require(request: HttpRequest, capability: Capability) -> None:
    if not viewer_of(request).can(capability):
        raise NotFound()


@router.post(
    "/analyze",
    response=AnalyzeOut,
    summary="Analyse texts: topic, sentiment, urgency, moderation",
    description=(
        f"Up to {MAX_TEXTS} texts of at most {MAX_CHARS} characters each. Empty, longer, binary or "
        "symbol-only texts come back with `skipped` and no labels. `text_id` counts from 1."
    ),
)
def analyze(request: HttpRequest, payload: AnalyzeIn) -> AnalyzeOut:
    _require(request, Capability.VIEW_OPINION)
    results = analyse(current_models(), payload.texts)
    return AnalyzeOut(
        results=[
            AnalysisOut(
                **{**r.as_json(), "sos_cues": list(r.sos), "skipped": r.skipped.value if r.skipped else None}
            )
            for r in results
        ]
    )


@router.get("/topics", response=list[TopicOut], summary="The topic taxonomy")
def topics(request: HttpRequest) -> list[TopicOut]:
    _require(request, Capability.VIEW_OPINION)
    return [TopicOut(key=t.key, name=t.name, description=t.description) for t in selectors.active_topics()]


def _cell(topic: str, unit_code: str | None, cell: selectors.Cell) -> CellOut:
    if cell.suppressed:
        return CellOut(topic=topic, unit_code=unit_code, suppressed=True)
    return CellOut(
        topic=topic,
        unit_code=unit_code,
        messages=cell.messages,
        negative=cell.negative,
        neutral=cell.neutral,
        positive=cell.positive,
        urgent=cell.urgent,
        suppressed=False,
    )


@router.get(
    "/counts",
    response=CountsOut,
    summary="Messages per topic and per commune x topic, small cells suppressed",
)
def counts(request: HttpRequest, days: int = Query(7, ge=1, le=92)) -> CountsOut:
    _require(request, Capability.VIEW_OPINION)
    board = selectors.dashboard(
        viewer=viewer_of(request), today=timezone.localdate(), days=days, heat_rows=200
    )
    keys = {row.topic.pk: row.topic.key for row in board.topics}
    codes = {u.pk: u.code for u in board.communes}
    return CountsOut(
        start=board.start.isoformat(),
        end=board.end.isoformat(),
        k=board.k,
        topics=[_cell(row.topic.key, None, row.current) for row in board.topics],
        communes=[
            _cell(keys.get(topic_id, "?"), codes.get(unit_id), cell)
            for (unit_id, topic_id), cell in board.heat.items()
        ],
    )
