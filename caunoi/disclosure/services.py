"""Công khai: publish what the law requires, attach its documents, and moderate residents' comments.

Every write here is atomic and audited with the acting officer and the publication's unit. A
resident's comment is audited with the actor ``web`` and nothing about the resident but the length of
what they wrote; the address their request came from only keys a hashed rate-limit bucket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caunoi.core.errors import InvalidState, RateLimited, ValidationFailed
from caunoi.core.permissions import Viewer
from caunoi.core.ratelimit import RateLimitPolicy, client_key, rate_limit_take
from caunoi.core.services import audit_record
from caunoi.core.text import nfc
from caunoi.disclosure import files, spam
from caunoi.disclosure.models import (
    LEGAL_BASIS,
    Attachment,
    Category,
    Comment,
    CommentStatus,
    Publication,
)
from caunoi.geo.models import Unit, UnitLevel

TITLE_MAX = 200
BODY_MAX = 50_000
LEGAL_BASIS_MAX = 300
COMMENT_MAX = 2000
NAME_MAX = 60
MAX_ATTACHMENTS = 20


def _plain_text(text: str) -> str:
    """NFC, one kind of line break, no trailing spaces: shown as typed, paragraphs kept."""
    lines = nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _one_line(text: str) -> str:
    return " ".join(nfc(text).split())


def _validated(
    *,
    unit: Unit,
    category: str,
    title: str,
    body: str,
    legal_basis: str,
    published_at: dt.datetime,
    ends_at: dt.datetime | None,
) -> dict[str, Any]:
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE) or not unit.is_active:
        raise ValidationFailed(_("A province or a commune publishes on its board."), field="unit")
    if category not in Category.values:
        raise ValidationFailed(_("Choose what kind of content this is."), field="category")
    title, body, legal_basis = _one_line(title), _plain_text(body), _one_line(legal_basis)
    if not title:
        raise ValidationFailed(_("Write a title."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}, field="title")
    if not body:
        raise ValidationFailed(_("Write what is made public."), field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(_("Keep the text under %(n)d characters.") % {"n": BODY_MAX}, field="body")
    if len(legal_basis) > LEGAL_BASIS_MAX:
        raise ValidationFailed(
            _("Keep the legal basis under %(n)d characters.") % {"n": LEGAL_BASIS_MAX}, field="legal_basis"
        )
    if ends_at is not None and ends_at <= published_at:
        raise ValidationFailed(_("The end must come after the start of publication."), field="ends_at")
    return {
        "category": category,
        "title": title,
        "body": body,
        "legal_basis": legal_basis or LEGAL_BASIS[category],
        "published_at": published_at,
        "ends_at": ends_at,
    }


def publication_publish(
    *,
    unit: Unit,
    category: str,
    title: str,
    body: str,
    actor: Any,
    legal_basis: str = "",
    published_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    comments_open: bool = True,
    documents: Sequence[tuple[str, bytes]] = (),
) -> Publication:
    """Công khai một nội dung: shown on the unit's board from ``published_at`` (now if not given)
    until ``ends_at``; without a legal basis, the article of the law for its category is shown.
    ``documents`` (name, bytes) are checked before anything is saved, so a bad file publishes nothing.
    """
    data = _validated(
        unit=unit,
        category=category,
        title=title,
        body=body,
        legal_basis=legal_basis,
        published_at=published_at or timezone.now(),
        ends_at=ends_at,
    )
    for name, content in documents:
        files.check_upload(name, content)
    with transaction.atomic():
        publication = Publication.objects.create(
            unit=unit,
            comments_open=comments_open,
            created_by=actor if getattr(actor, "pk", None) else None,
            **data,
        )
        audit_record(
            actor=actor,
            action="disclosure.publish",
            obj=publication,
            unit=unit,
            after={
                "category": category,
                "published_at": data["published_at"].isoformat(),
                "ends_at": ends_at.isoformat() if ends_at else None,
            },
        )
        for name, content in documents:
            attachment_add(publication=publication, name=name, content=content, actor=actor)
    return publication


def publication_update(
    *,
    publication: Publication,
    category: str,
    title: str,
    body: str,
    actor: Any,
    legal_basis: str = "",
    published_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    comments_open: bool = True,
) -> Publication:
    """Correct a publication; the audit row keeps which fields changed (the board shows the update time)."""
    if publication.withdrawn_at is not None:
        raise InvalidState(_("A withdrawn publication cannot be changed."))
    data = _validated(
        unit=publication.unit,
        category=category,
        title=title,
        body=body,
        legal_basis=legal_basis,
        published_at=published_at,
        ends_at=ends_at,
    )
    data["comments_open"] = comments_open
    changed = sorted(k for k, v in data.items() if getattr(publication, k) != v)
    with transaction.atomic():
        for key, value in data.items():
            setattr(publication, key, value)
        publication.save()
        audit_record(
            actor=actor,
            action="disclosure.update",
            obj=publication,
            unit=publication.unit,
            after={"changed": changed},
        )
    return publication


def publication_withdraw(*, publication: Publication, actor: Any, reason: str) -> Publication:
    """Gỡ công khai: off the board at once (a mistake, or content that must not be public)."""
    reason = _one_line(reason)
    if not reason:
        raise ValidationFailed(_("Say why it is withdrawn."), field="reason")
    if publication.withdrawn_at is not None:
        raise InvalidState(_("This publication was already withdrawn."))
    with transaction.atomic():
        publication.withdrawn_at = timezone.now()
        publication.withdrawn_reason = reason[:300]
        publication.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="disclosure.withdraw",
            obj=publication,
            unit=publication.unit,
            after={"reason": publication.withdrawn_reason},
        )
    return publication


def attachment_add(*, publication: Publication, name: str, content: bytes, actor: Any) -> Attachment:
    """Attach a document, checked by its bytes (not its name) and kept outside the web root."""
    if publication.withdrawn_at is not None:
        raise InvalidState(_("A withdrawn publication cannot be changed."))
    checked = files.check_upload(name, content)
    with transaction.atomic():
        if publication.attachments.count() >= MAX_ATTACHMENTS:
            raise ValidationFailed(
                _("A publication can have at most %(n)d files.") % {"n": MAX_ATTACHMENTS}, field="file"
            )
        stored_name = files.store(checked)
        attachment = Attachment.objects.create(
            publication=publication,
            name=checked.name,
            mime=checked.mime,
            size=len(checked.content),
            stored_name=stored_name,
        )
        audit_record(
            actor=actor,
            action="disclosure.attach",
            obj=attachment,
            unit=publication.unit,
            after={"publication": publication.pk, "mime": checked.mime, "size": attachment.size},
        )
    return attachment


def attachment_remove(*, attachment: Attachment, actor: Any) -> None:
    """Remove a document; the file goes too once no other publication uses the same bytes."""
    publication = attachment.publication
    stored_name = attachment.stored_name
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="disclosure.detach",
            obj=attachment,
            unit=publication.unit,
            before={"publication": publication.pk, "name": attachment.name},
        )
        attachment.delete()

        def _drop_file() -> None:
            if not Attachment.objects.filter(stored_name=stored_name).exists():
                files.storage_path(stored_name).unlink(missing_ok=True)

        transaction.on_commit(_drop_file)


def _take(policy: RateLimitPolicy, key: str, *, whole_publication: bool) -> None:
    decision = rate_limit_take(policy, key)
    if decision.allowed:
        return
    minutes = max(1, round(decision.retry_after / 60))
    if whole_publication:
        message = ngettext(
            "Very many comments are arriving on this publication. Please wait about %(minutes)d minute.",
            "Very many comments are arriving on this publication. Please wait about %(minutes)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many comments were sent from your connection. Please wait about %(minutes)d minute.",
            "Too many comments were sent from your connection. Please wait about %(minutes)d minutes.",
            minutes,
        )
    raise RateLimited(message % {"minutes": minutes})


def comment_submit(*, publication: Publication, display_name: str, text: str, client_address: str) -> Comment:
    """Góp ý của người dân: held for the commune's moderation; only the chosen name is kept."""
    if not publication.is_visible():
        raise InvalidState(_("This publication is no longer on the board."))
    if not publication.comments_open:
        raise InvalidState(_("Comments are closed for this publication."))
    display_name, text = _one_line(display_name), _plain_text(text)
    if not display_name:
        raise ValidationFailed(_("Write the name to show with your comment."), field="display_name")
    if len(display_name) > NAME_MAX:
        raise ValidationFailed(
            _("Keep the name under %(n)d characters.") % {"n": NAME_MAX}, field="display_name"
        )
    if not text:
        raise ValidationFailed(_("Write your comment."), field="text")
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("Write at most %(limit)d characters (you wrote %(count)d).")
            % {"limit": COMMENT_MAX, "count": len(text)},
            field="text",
        )
    _take(spam.COMMENTS_PER_CLIENT, client_key(client_address), whole_publication=False)
    _take(spam.COMMENTS_PER_PUBLICATION, str(publication.pk), whole_publication=True)
    with transaction.atomic():
        comment = Comment.objects.create(publication=publication, display_name=display_name, text=text)
        audit_record(
            actor=None,
            actor_label="web",
            action="disclosure.comment",
            obj=comment,
            unit=publication.unit,
            after={"publication": publication.pk, "length": len(text)},
        )
    return comment


def comment_moderate(*, comment: Comment, approve: bool, actor: Any) -> Comment:
    """Duyệt ý kiến: show the comment on the board, or keep it off; a decision can be reversed."""
    status = CommentStatus.APPROVED if approve else CommentStatus.REJECTED
    before = comment.status
    with transaction.atomic():
        comment.status = status
        comment.moderated_at = timezone.now()
        user = actor.user if isinstance(actor, Viewer) else actor
        comment.moderated_by = user if getattr(user, "pk", None) else None
        comment.save(update_fields=["status", "moderated_at", "moderated_by"])
        audit_record(
            actor=actor,
            action="disclosure.moderate",
            obj=comment,
            unit=comment.publication.unit,
            before={"status": before},
            after={"status": status},
        )
    return comment
