"""The ``/api/v1/practices`` operations: the registry, its evaluations and replications.

Scope is the same as in the pages: a commune reads its own practices at every stage and the recognised
practices of its province; writes go through the same services, so the same rules and audit apply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from caunoi.accounts.models import User
from caunoi.core.errors import NotFound, PermissionDenied, ValidationFailed
from caunoi.core.paging import MAX_OFFSET
from caunoi.core.permissions import Capability, Viewer, viewer_of
from caunoi.geo.models import Unit, UnitLevel
from caunoi.practices import selectors, services
from caunoi.practices.models import (
    Evaluation,
    Evidence,
    Level,
    Practice,
    PracticeField,
    PracticeStatus,
    Replication,
    ReplicationStatus,
)

router = Router(tags=["practices"])


class FigureIO(Schema):
    label: str = Field(..., max_length=120)
    value: float
    unit: str = Field("", max_length=40)


class EvidenceOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    caption: str


class PracticeOut(Schema):
    id: int
    title: str
    unit_code: str
    unit_name: str
    year: int
    field: str
    status: str
    recognised_level: str
    recognised_year: int | None


class ChangeOut(Schema):
    from_status: str
    to_status: str
    comment: str
    at: dt.datetime


class PracticeDetailOut(PracticeOut):
    people_in_charge: str
    started_on: dt.date
    ended_on: dt.date | None
    problem: str
    method: str
    results: str
    figures: list[FigureIO]
    beneficiaries: int
    beneficiaries_note: str
    evidence: list[EvidenceOut]
    history: list[ChangeOut]


class PracticePage(Schema):
    count: int
    items: list[PracticeOut]


class PracticeIn(Schema):
    unit_code: str = Field(..., max_length=32)
    year: int
    title: str = Field(..., min_length=1, max_length=250)
    field: PracticeField
    people_in_charge: str = Field(..., min_length=1, max_length=300)
    started_on: dt.date
    ended_on: dt.date | None = None
    problem: str = Field(..., min_length=1, max_length=10_000)
    method: str = Field(..., min_length=1, max_length=10_000)
    results: str = Field("", max_length=10_000)
    figures: list[FigureIO] = Field(default_factory=list)
    beneficiaries: int = Field(0, ge=0)
    beneficiaries_note: str = Field("", max_length=300)


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class SpreadOut(Schema):
    members: int
    mean: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    std: Decimal | None
    criterion_means: dict[str, Decimal]


class EvaluationOut(Schema):
    id: int
    practice_id: int
    committee: str
    level: str
    year: int
    status: str
    recognised: bool | None
    comment: str
    result: SpreadOut


class ScoresIn(Schema):
    scores: dict[str, Decimal | str]


class DecisionIn(Schema):
    recognised: bool
    comment: str = Field("", max_length=2000)


class ReplicationOut(Schema):
    id: int
    source_id: int
    source_title: str
    unit_code: str
    unit_name: str
    started_on: dt.date
    status: str
    progress: int
    beneficiaries: int
    adaptation_notes: str
    results: str
    last_update_at: dt.datetime


class ReplicationIn(Schema):
    unit_code: str = Field(..., max_length=32)
    started_on: dt.date
    adaptation_notes: str = Field(..., min_length=1, max_length=10_000)


class ReplicationUpdateIn(Schema):
    progress: int = Field(..., ge=0, le=100)
    note: str = Field(..., min_length=1, max_length=10_000)
    results: str = Field("", max_length=10_000)
    beneficiaries: int = Field(0, ge=0)
    status: ReplicationStatus = ReplicationStatus.IN_PROGRESS


class SimilarOut(Schema):
    score: float
    practice: PracticeOut


def _require(viewer: Viewer, capability: Capability) -> None:
    if not viewer.can(capability):
        raise NotFound()


def _actor(request: HttpRequest) -> Any:
    viewer = viewer_of(request)
    return viewer.user if viewer.user is not None else viewer


def _out(p: Practice) -> PracticeOut:
    return PracticeOut(
        id=p.pk,
        title=p.title,
        unit_code=p.unit.code,
        unit_name=p.unit.name,
        year=p.year,
        field=p.field,
        status=p.status,
        recognised_level=p.recognised_level,
        recognised_year=p.recognised_year,
    )


def _evidence_out(e: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=e.pk,
        kind=e.kind,
        original_name=e.original_name,
        content_type=e.content_type,
        size=e.size,
        caption=e.caption,
    )


def _detail(p: Practice) -> PracticeDetailOut:
    return PracticeDetailOut(
        **_out(p).dict(),
        people_in_charge=p.people_in_charge,
        started_on=p.started_on,
        ended_on=p.ended_on,
        problem=p.problem,
        method=p.method,
        results=p.results,
        figures=[FigureIO(**f) for f in p.figures],
        beneficiaries=p.beneficiaries,
        beneficiaries_note=p.beneficiaries_note,
        evidence=[_evidence_out(e) for e in p.evidence.all()],
        history=[
            ChangeOut(from_status=c.from_status, to_status=c.to_status, comment=c.comment, at=c.at)
            for c in p.changes.all()
        ],
    )


def _evaluation_out(e: Evaluation) -> EvaluationOut:
    result = selectors.evaluation_result(e)
    return EvaluationOut(
        id=e.pk,
        practice_id=e.practice_id,
        committee=e.committee.name,
        level=e.committee.level,
        year=e.committee.year,
        status=e.status,
        recognised=e.recognised,
        comment=e.comment,
        result=SpreadOut(
            members=result.members,
            mean=result.mean,
            minimum=result.minimum,
            maximum=result.maximum,
            std=result.std,
            criterion_means=result.criterion_means,
        ),
    )


def _replication_out(r: Replication) -> ReplicationOut:
    return ReplicationOut(
        id=r.pk,
        source_id=r.source_id,
        source_title=r.source.title,
        unit_code=r.unit.code,
        unit_name=r.unit.name,
        started_on=r.started_on,
        status=r.status,
        progress=r.progress,
        beneficiaries=r.beneficiaries,
        adaptation_notes=r.adaptation_notes,
        results=r.results,
        last_update_at=r.last_update_at,
    )


def _unit_in_scope(viewer: Viewer, code: str, levels: tuple[str, ...]) -> Unit:
    unit = Unit.objects.filter(
        viewer.unit_q(Capability.REGISTER_PRACTICES), code=code, level__in=levels
    ).first()
    if unit is None:
        raise ValidationFailed(_("Unknown commune in your area."), field="unit_code")
    return unit


@router.get("/models", response=PracticePage, summary="Practices I may read (diacritics optional in q)")
def practice_list(
    request: HttpRequest,
    q: str = Query("", max_length=200),
    field: PracticeField | None = None,
    year: int | None = None,
    status: PracticeStatus | None = None,
    level: Level | None = None,
    mine: bool = False,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> PracticePage:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    filters = selectors.PracticeFilters(
        search=q,
        field=field.value if field else "",
        year=year,
        status=status.value if status else "",
        level=level.value if level else "",
        mine=mine,
    )
    qs = selectors.practice_list(viewer=viewer, filters=filters)
    return PracticePage(count=qs.count(), items=[_out(p) for p in qs[offset : offset + limit]])


@router.post("/models", response={201: PracticeDetailOut}, summary="Register a practice (as a draft)")
def practice_create(request: HttpRequest, payload: PracticeIn) -> Status[PracticeDetailOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.REGISTER_PRACTICES)
    unit = _unit_in_scope(viewer, payload.unit_code, (UnitLevel.COMMUNE, UnitLevel.PROVINCE))
    data = payload.dict(exclude={"unit_code", "figures", "field"})
    practice = services.practice_create(
        unit=unit,
        field=payload.field.value,
        figures=[f.dict() for f in payload.figures],
        actor=_actor(request),
        **data,
    )
    return Status(201, _detail(practice))


@router.get("/models/{practice_id}", response=PracticeDetailOut, summary="One practice, with evidence")
def practice_detail(request: HttpRequest, practice_id: int) -> PracticeDetailOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    return _detail(selectors.access_practice(viewer, practice_id))


@router.post(
    "/models/{practice_id}/evidence",
    response={201: EvidenceOut},
    summary="Attach a photo or document (multipart field `file`)",
)
def evidence_upload(
    request: HttpRequest,
    practice_id: int,
    file: File[UploadedFile],
    caption: Form[str] = "",
) -> Status[EvidenceOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.REGISTER_PRACTICES)
    practice = selectors.access_practice(viewer, practice_id, manage=True)
    item = services.evidence_add(practice=practice, upload=file, caption=caption, actor=_actor(request))
    return Status(201, _evidence_out(item))


@router.post("/models/{practice_id}/submit", response=PracticeDetailOut, summary="Submit a draft")
def practice_submit(request: HttpRequest, practice_id: int, payload: CommentIn) -> PracticeDetailOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.REGISTER_PRACTICES)
    practice = selectors.access_practice(viewer, practice_id, manage=True)
    return _detail(
        services.practice_submit(practice=practice, actor=_actor(request), comment=payload.comment)
    )


@router.get(
    "/models/{practice_id}/evaluations",
    response=list[EvaluationOut],
    summary="A practice's evaluations with result and spread",
)
def practice_evaluations(request: HttpRequest, practice_id: int) -> list[EvaluationOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    practice = selectors.access_practice(viewer, practice_id)
    return [_evaluation_out(e) for e in practice.evaluations.select_related("committee")]


@router.get(
    "/models/{practice_id}/replications",
    response=list[ReplicationOut],
    summary="Where a practice spread",
)
def practice_replications(request: HttpRequest, practice_id: int) -> list[ReplicationOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    practice = selectors.access_practice(viewer, practice_id)
    return [_replication_out(r) for r in selectors.replication_list(viewer=viewer, source=practice)]


@router.post(
    "/models/{practice_id}/replications",
    response={201: ReplicationOut},
    summary="Replicate a recognised practice in my commune",
)
def replication_start(
    request: HttpRequest, practice_id: int, payload: ReplicationIn
) -> Status[ReplicationOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.REGISTER_PRACTICES)
    practice = selectors.access_practice(viewer, practice_id)
    unit = _unit_in_scope(viewer, payload.unit_code, (UnitLevel.COMMUNE,))
    replication = services.replication_start(
        source=practice,
        unit=unit,
        adaptation_notes=payload.adaptation_notes,
        started_on=payload.started_on,
        actor=_actor(request),
    )
    return Status(201, _replication_out(replication))


@router.get("/evaluations", response=list[EvaluationOut], summary="Evaluations of my committees")
def evaluation_list(
    request: HttpRequest, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)
) -> list[EvaluationOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    qs = selectors.evaluation_list(viewer=viewer)[offset : offset + limit]
    return [_evaluation_out(e) for e in qs]


@router.post(
    "/evaluations/{evaluation_id}/scores",
    response=EvaluationOut,
    summary="Score every criterion 0 to 10 (committee members)",
)
def score_record(request: HttpRequest, evaluation_id: int, payload: ScoresIn) -> EvaluationOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    evaluation = selectors.access_evaluation(viewer, evaluation_id)
    if not isinstance(viewer.user, User):
        raise PermissionDenied(_("Only members of the committee can score."))
    services.score_record(evaluation=evaluation, member=viewer.user, scores=payload.scores)
    return _evaluation_out(evaluation)


@router.post(
    "/evaluations/{evaluation_id}/decision",
    response=EvaluationOut,
    summary="Recognise or not (province evaluation managers); refusal needs a comment",
)
def evaluation_decide(request: HttpRequest, evaluation_id: int, payload: DecisionIn) -> EvaluationOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_EVALUATIONS)
    evaluation = selectors.access_evaluation(viewer, evaluation_id, manage=True)
    services.evaluation_decide(
        evaluation=evaluation, recognised=payload.recognised, comment=payload.comment, actor=_actor(request)
    )
    return _evaluation_out(evaluation)


@router.get("/replications", response=list[ReplicationOut], summary="Replications I may read")
def replication_list(
    request: HttpRequest, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)
) -> list[ReplicationOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    return [_replication_out(r) for r in selectors.replication_list(viewer=viewer)[offset : offset + limit]]


@router.post(
    "/replications/{replication_id}/updates",
    response={201: ReplicationOut},
    summary="Report a replication's progress",
)
def replication_report(
    request: HttpRequest, replication_id: int, payload: ReplicationUpdateIn
) -> Status[ReplicationOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.REGISTER_PRACTICES)
    replication = selectors.access_replication(viewer, replication_id, manage=True)
    services.replication_report(
        replication=replication,
        progress=payload.progress,
        note=payload.note,
        results=payload.results,
        beneficiaries=payload.beneficiaries,
        status=payload.status.value,
        actor=_actor(request),
    )
    return Status(201, _replication_out(replication))


@router.get("/similar", response=list[SimilarOut], summary="Recognised practices for a problem or topic")
def similar(
    request: HttpRequest,
    text: str = Query(..., min_length=3, max_length=2000),
    limit: int = Query(5, ge=1, le=20),
) -> list[SimilarOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_PRACTICES)
    found = selectors.practices_similar(viewer=viewer, text=text, limit=limit)
    return [SimilarOut(score=round(s.score, 4), practice=_out(s.practice)) for s in found]
