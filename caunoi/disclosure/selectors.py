"""Reads for the disclosure board: staff lists scoped to the units the viewer publishes for, and the
public board, which shows only what is on the board now and only approved comments.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.disclosure.models import Attachment, Category, Comment, CommentStatus, Publication
from caunoi.geo.models import Unit, UnitLevel, UnitQuerySet

CAP = Capability.PUBLISH_WEB


def publishing_units(*, viewer: Viewer) -> UnitQuerySet:
    """The province and communes this viewer may publish for (villages have no board)."""
    return (
        Unit.objects.active()
        .filter(viewer.unit_q(CAP), level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
        .order_by("path")
    )


@dataclass(frozen=True)
class PublicationFilters:
    unit_code: str = ""
    category: str = ""
    search: str = ""


def publication_list(*, viewer: Viewer, filters: PublicationFilters | None = None) -> QuerySet[Publication]:
    """Publications of the viewer's units, newest first, with the number of comments awaiting review."""
    filters = filters or PublicationFilters()
    qs = Publication.objects.filter(viewer.unit_q(CAP, "unit"))
    if filters.unit_code:
        qs = qs.filter(unit__code=filters.unit_code)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.search:
        qs = qs.filter(title__icontains=filters.search)
    return (
        qs.select_related("unit", "created_by")
        .annotate(pending=Count("comments", filter=Q(comments__status=CommentStatus.PENDING)))
        .order_by("-published_at", "-id")
    )


def access_publication(viewer: Viewer, publication_id: int, *, for_update: bool = False) -> Publication:
    qs = Publication.objects.filter(viewer.unit_q(CAP, "unit"), pk=publication_id).select_related("unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    publication = qs.first()
    if publication is None:
        raise NotFound()
    return publication


def access_attachment(viewer: Viewer, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(viewer.unit_q(CAP, "publication__unit"), pk=attachment_id)
        .select_related("publication__unit")
        .first()
    )
    if attachment is None:
        raise NotFound()
    return attachment


def access_comment(viewer: Viewer, comment_id: int) -> Comment:
    comment = (
        Comment.objects.filter(viewer.unit_q(CAP, "publication__unit"), pk=comment_id)
        .select_related("publication__unit")
        .first()
    )
    if comment is None:
        raise NotFound()
    return comment


def moderation_queue(*, viewer: Viewer) -> QuerySet[Comment]:
    """Comments awaiting review on the viewer's publications, oldest first (first come, first read)."""
    return (
        Comment.objects.filter(viewer.unit_q(CAP, "publication__unit"), status=CommentStatus.PENDING)
        .select_related("publication__unit")
        .order_by("created_at", "id")
    )


def publication_comments(*, publication: Publication) -> QuerySet[Comment]:
    """Every comment of one publication (already accessed), for its moderators."""
    return publication.comments.select_related("moderated_by").order_by("created_at", "id")


# Public board -------------------------------------------------------------------------------------


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
class BoardUnit:
    code: str
    name: str
    level: str
    on_board: int


def public_province(code: str) -> Unit:
    unit = Unit.objects.active().filter(code=code, level=UnitLevel.PROVINCE).first()
    if unit is None:
        raise NotFound()
    return unit


def public_units() -> list[BoardUnit]:
    """Units with something on their board now, with how many items, in path order (one query)."""
    rows = (
        Publication.objects.visible()
        .values("unit__code", "unit__name", "unit__level", "unit__path")
        .annotate(n=Count("id"))
        .order_by("unit__path")
    )
    return [BoardUnit(r["unit__code"], r["unit__name"], r["unit__level"], r["n"]) for r in rows]


def public_board(*, unit: Unit, category: str = "") -> QuerySet[Publication]:
    qs = Publication.objects.visible().filter(unit=unit)
    if category in Category.values:
        qs = qs.filter(category=category)
    return qs.annotate(
        shown_comments=Count("comments", filter=Q(comments__status=CommentStatus.APPROVED)),
        files=Count("attachments", distinct=True),
    ).order_by("-published_at", "-id")


def public_publication(*, unit: Unit, publication_id: int) -> Publication:
    publication = Publication.objects.visible().filter(unit=unit, pk=publication_id).first()
    if publication is None:
        raise NotFound()
    return publication


def public_comments(*, publication: Publication) -> QuerySet[Comment]:
    return publication.comments.filter(status=CommentStatus.APPROVED).order_by("created_at", "id")


def public_attachment(*, unit: Unit, publication_id: int, attachment_id: int) -> Attachment:
    publication = public_publication(unit=unit, publication_id=publication_id)
    attachment = publication.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    return attachment
