"""The ``/api/v1/inbox`` operations: conversations and cases for integrations and scripts, scoped as
the pages are (out of scope is 404). Open311 is a separate public contract under ``/open311/v2/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from caunoi.core.errors import NotFound
from caunoi.core.paging import MAX_OFFSET
from caunoi.core.permissions import Capability, Viewer, viewer_of
from caunoi.inbox import selectors, services
from caunoi.inbox.models import Conversation, Petition

router = Router(tags=["inbox"])


class ConversationOut(Schema):
    id: int
    unit_code: str
    status: str
    is_sos: bool
    sos_cues: list[str]
    preview: str
    last_channel: str
    last_message_at: str


class ConversationPage(Schema):
    count: int
    items: list[ConversationOut]


class PetitionOut(Schema):
    id: int
    reference: str
    kind: str
    status: str
    source: str
    title: str
    category: str | None
    commune_code: str
    unit_code: str
    office: str
    is_sos: bool
    received_at: str
    due_at: str
    overdue: bool
    answer: str
    answered_at: str | None
    rating: int | None


class PetitionPage(Schema):
    count: int
    items: list[PetitionOut]


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=5000)


def _require(viewer: Viewer, capability: Capability) -> None:
    if not viewer.can(capability):
        raise NotFound()


def _actor(request: HttpRequest) -> Any:
    viewer = viewer_of(request)
    return viewer.user if viewer.user is not None else viewer


def _conversation(c: Conversation) -> ConversationOut:
    return ConversationOut(
        id=c.pk,
        unit_code=c.unit.code,
        status=c.status,
        is_sos=c.is_sos,
        sos_cues=list(c.sos_cues),
        preview=c.preview,
        last_channel=c.last_channel,
        last_message_at=c.last_message_at.isoformat(),
    )


def _petition(p: Petition) -> PetitionOut:
    return PetitionOut(
        id=p.pk,
        reference=p.reference,
        kind=p.kind,
        status=p.status,
        source=p.source,
        title=p.title,
        category=p.category.code if p.category else None,
        commune_code=p.commune.code,
        unit_code=p.unit.code,
        office=p.office,
        is_sos=p.is_sos,
        received_at=p.received_at.isoformat(),
        due_at=p.due_at.isoformat(),
        overdue=p.is_overdue,
        answer=p.answer,
        answered_at=p.answered_at.isoformat() if p.answered_at else None,
        rating=p.rating,
    )


@router.get("/conversations", response=ConversationPage, summary="Conversations in my units, SOS first")
def conversation_list(
    request: HttpRequest,
    q: str = "",
    sos: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> ConversationPage:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_INBOX)
    qs = selectors.conversation_list(viewer=viewer, filters=selectors.ConversationFilters(search=q, sos=sos))
    return ConversationPage(count=qs.count(), items=[_conversation(c) for c in qs[offset : offset + limit]])


@router.get("/petitions", response=PetitionPage, summary="Cases in my units, with the list's filters")
def petition_list(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    kind: str = "",
    overdue: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> PetitionPage:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_INBOX)
    filters = selectors.PetitionFilters(search=q, status=status, kind=kind, overdue=overdue)
    qs = selectors.petition_list(viewer=viewer, filters=filters)
    return PetitionPage(count=qs.count(), items=[_petition(p) for p in qs[offset : offset + limit]])


@router.get("/petitions/{petition_id}", response=PetitionOut, summary="One case")
def petition_detail(request: HttpRequest, petition_id: int) -> PetitionOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_INBOX)
    return _petition(selectors.access_petition(viewer, petition_id))


@router.post(
    "/petitions/{petition_id}/answer",
    response=PetitionOut,
    summary="Publish the answer and send it to the citizen",
)
def petition_answer(request: HttpRequest, petition_id: int, payload: AnswerIn) -> PetitionOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.HANDLE_INBOX)
    petition = selectors.access_petition(viewer, petition_id, capability=Capability.HANDLE_INBOX)
    return _petition(
        services.petition_answer(petition=petition, answer=payload.answer, actor=_actor(request))
    )
