"""The inbox's part of a citizen's export and erasure (see caunoi.citizens.privacy and docs/privacy.md).

Export: the conversation (hội thoại) with every line of it, and every petition (phản ánh) with its text,
place, answer, history and attachments listed by name. Erasure, by request or by retention (both go
through ``citizens.services.citizen_erase``): the conversation's lines and files are deleted and the
conversation row is blanked; each petition keeps only what the province must account for in aggregate
(reference, kind, category, place by commune and village, units, dates, deadlines, status, the rating
score) and loses its subject, text, address, coordinates, photo link, answer, comment, history texts,
attachments and its link to the person. Files on disk go once no remaining row points at them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from caunoi.citizens import privacy
from caunoi.citizens.models import Citizen
from caunoi.inbox import files
from caunoi.inbox.models import (
    Conversation,
    ConversationStatus,
    Entry,
    MessageAttachment,
    Petition,
    PetitionAttachment,
    PetitionEvent,
    PetitionEventKind,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _export_conversation(conversation: Conversation) -> dict[str, Any]:
    entries = (
        Entry.objects.filter(conversation=conversation)
        .prefetch_related("files")
        .order_by("occurred_at", "id")
    )
    return {
        "unit": conversation.unit.name,
        "status": conversation.status,
        "created_at": _iso(conversation.created_at),
        "last_message_at": _iso(conversation.last_message_at),
        "entries": [
            {
                "kind": e.kind,
                "channel": e.channel,
                "text": e.text,
                "at": _iso(e.occurred_at),
                "attachments": e.attachments,
                "files": [
                    {"name": f.name, "kind": f.kind, "mime": f.mime, "size": f.size, "status": f.status}
                    for f in e.files.all()
                ],
            }
            for e in entries
        ],
    }


def _export_petition(petition: Petition) -> dict[str, Any]:
    return {
        "reference": petition.reference,
        "kind": petition.kind,
        "status": petition.status,
        "source": petition.source,
        "category": petition.category.name if petition.category else None,
        "title": petition.title,
        "text": petition.text,
        "commune": petition.commune.name,
        "village": petition.village.name if petition.village else None,
        "address": petition.address,
        "latitude": str(petition.latitude) if petition.latitude is not None else None,
        "longitude": str(petition.longitude) if petition.longitude is not None else None,
        "media_url": petition.media_url,
        "responsible_unit": petition.unit.name,
        "received_at": _iso(petition.received_at),
        "due_at": _iso(petition.due_at),
        "answer": petition.answer,
        "answered_at": _iso(petition.answered_at),
        "closed_at": _iso(petition.closed_at),
        "rating": petition.rating,
        "rating_comment": petition.rating_comment,
        "history": [
            {
                "kind": ev.kind,
                "status": ev.status,
                "text": ev.text,
                "public": ev.public,
                "at": _iso(ev.occurred_at),
            }
            for ev in petition.events.order_by("occurred_at", "id")
        ],
        "attachments": [
            {"name": a.name, "mime": a.mime, "size": a.size, "uploaded_at": _iso(a.uploaded_at)}
            for a in petition.attachments.all()
        ],
    }


def _export(citizen: Citizen) -> dict[str, Any]:
    """Everything the inbox holds about the citizen, internal notes included (they are about them too);
    officers' names are left out (they are the officers' data, not the citizen's)."""
    conversation = Conversation.objects.filter(citizen=citizen).select_related("unit").first()
    petitions = (
        Petition.objects.filter(citizen=citizen)
        .select_related("category", "commune", "village", "unit")
        .prefetch_related("attachments")
        .order_by("received_at", "id")
    )
    return {
        "conversation": _export_conversation(conversation) if conversation is not None else None,
        "petitions": [_export_petition(p) for p in petitions],
    }


def remove_unreferenced_files(stored_names: Iterable[str]) -> None:
    """Delete stored files no case or message attachment points at any more (a file is stored once per
    content, so two citizens who sent the same photo share it)."""
    for name in set(stored_names) - {""}:
        in_use = (
            PetitionAttachment.objects.filter(stored_name=name).exists()
            or MessageAttachment.objects.filter(stored_name=name).exists()
        )
        if not in_use:
            files.storage_path(name).unlink(missing_ok=True)


def _erase(citizen: Citizen) -> int:
    """Runs inside ``citizen_erase``'s transaction; files are deleted only once it commits, so an erasure
    that fails leaves every file in place."""
    touched = 0
    stored: set[str] = set()
    conversation = Conversation.objects.filter(citizen=citizen).first()
    if conversation is not None:
        stored.update(
            MessageAttachment.objects.filter(entry__conversation=conversation).values_list(
                "stored_name", flat=True
            )
        )
        touched += Entry.objects.filter(conversation=conversation).count()
        Entry.objects.filter(conversation=conversation).delete()  # cascades to the message files
        conversation.labels.clear()
        Conversation.objects.filter(pk=conversation.pk).update(
            status=ConversationStatus.CLOSED,
            assignee=None,
            is_sos=False,
            sos_cues=[],
            sos_at=None,
            unread=False,
            preview="",
        )
        touched += 1
    petition_ids = list(Petition.objects.filter(citizen=citizen).values_list("pk", flat=True))
    if petition_ids:
        attachments = PetitionAttachment.objects.filter(petition_id__in=petition_ids)
        stored.update(attachments.values_list("stored_name", flat=True))
        attachments.delete()
        # A merge keeps the other case's reference, which names no one; every other text may.
        PetitionEvent.objects.filter(
            Q(petition_id__in=petition_ids) & ~Q(kind=PetitionEventKind.MERGED)
        ).update(text="")
        touched += Petition.objects.filter(pk__in=petition_ids).update(
            citizen=None,
            conversation=None,
            title="",
            text="",
            text_folded="",
            address="",
            latitude=None,
            longitude=None,
            media_url="",
            answer="",
            rating_comment="",
        )
    if stored:
        transaction.on_commit(lambda: remove_unreferenced_files(stored))
    return touched


def register() -> None:
    privacy.register_exporter("inbox", _export)
    privacy.register_eraser("inbox", _erase)
