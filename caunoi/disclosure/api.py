"""``/api/v1/disclosure/``: the publications and comments of the caller's units (PUBLISH_WEB scope).

An integration (the commune's website, a Zalo mini app) reads what is on the boards and moderates
comments; publishing with documents stays in the web pages, where files are uploaded and checked.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from caunoi.core.errors import PermissionDenied
from caunoi.core.paging import MAX_OFFSET
from caunoi.core.permissions import Capability, viewer_of
from caunoi.disclosure import selectors, services
from caunoi.disclosure.models import Comment, Publication

router = Router(tags=["disclosure"])


class AttachmentOut(Schema):
    id: int
    name: str
    mime: str
    size: int


class PublicationOut(Schema):
    id: int
    unit_code: str
    category: str
    title: str
    legal_basis: str
    published_at: str
    ends_at: str | None
    withdrawn: bool
    visible: bool
    comments_open: bool
    pending_comments: int


class PublicationDetailOut(PublicationOut):
    body: str
    attachments: list[AttachmentOut]


class PublicationPage(Schema):
    count: int
    items: list[PublicationOut]


class CommentOut(Schema):
    id: int
    publication_id: int
    display_name: str
    text: str
    status: str
    created_at: str


class ModerateIn(Schema):
    approve: bool


class ListQuery(Schema):
    unit: str = Field("", max_length=32)
    category: str = Field("", max_length=16)
    q: str = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _publication(p: Publication, pending: int) -> dict[str, object]:
    return {
        "id": p.pk,
        "unit_code": p.unit.code,
        "category": p.category,
        "title": p.title,
        "legal_basis": p.legal_basis,
        "published_at": p.published_at.isoformat(),
        "ends_at": p.ends_at.isoformat() if p.ends_at else None,
        "withdrawn": p.withdrawn_at is not None,
        "visible": p.is_visible(),
        "comments_open": p.comments_open,
        "pending_comments": pending,
    }


def _comment(c: Comment) -> dict[str, object]:
    return {
        "id": c.pk,
        "publication_id": c.publication_id,
        "display_name": c.display_name,
        "text": c.text,
        "status": c.status,
        "created_at": c.created_at.isoformat(),
    }


@router.get("/publications", response=PublicationPage)
def list_publications(request: HttpRequest, query: Query[ListQuery]) -> dict[str, object]:
    viewer = viewer_of(request)
    qs = selectors.publication_list(
        viewer=viewer,
        filters=selectors.PublicationFilters(unit_code=query.unit, category=query.category, search=query.q),
    )
    items = qs[query.offset : query.offset + query.limit]
    return {"count": qs.count(), "items": [_publication(p, p.pending) for p in items]}  # type: ignore[attr-defined]


@router.get("/publications/{publication_id}", response=PublicationDetailOut)
def get_publication(request: HttpRequest, publication_id: int) -> dict[str, object]:
    publication = selectors.access_publication(viewer_of(request), publication_id)
    pending = publication.comments.filter(status="pending").count()
    return {
        **_publication(publication, pending),
        "body": publication.body,
        "attachments": [
            {"id": a.pk, "name": a.name, "mime": a.mime, "size": a.size}
            for a in publication.attachments.all()
        ],
    }


@router.get("/comments/pending", response=list[CommentOut])
def pending_comments(request: HttpRequest) -> list[dict[str, object]]:
    return [_comment(c) for c in selectors.moderation_queue(viewer=viewer_of(request))[:200]]


@router.post("/comments/{comment_id}/moderate", response=CommentOut)
def moderate_comment(request: HttpRequest, comment_id: int, payload: ModerateIn) -> dict[str, object]:
    viewer = viewer_of(request)
    if not viewer.can(Capability.PUBLISH_WEB):
        raise PermissionDenied()
    comment = selectors.access_comment(viewer, comment_id)
    return _comment(services.comment_moderate(comment=comment, approve=payload.approve, actor=viewer))
