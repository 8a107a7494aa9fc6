"""Reads of the inbox, always scoped to the viewer's units; ``access_*`` answers "not found" alike for
missing and out-of-scope rows, so one commune cannot probe another's cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from caunoi.channels.models import ZaloAccount, ZaloAccountStatus
from caunoi.citizens.models import Citizen
from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.core.text import fold
from caunoi.geo.models import Unit, UnitLevel
from caunoi.inbox import similarity
from caunoi.inbox.models import (
    CannedAnswer,
    Category,
    Conversation,
    ConversationStatus,
    Entry,
    FileStatus,
    KnowledgeEntry,
    Label,
    MessageAttachment,
    Petition,
    PetitionAttachment,
    PetitionStatus,
    RoutingRule,
)


def _in_scope(viewer: Viewer, capability: Capability, field: str = "unit") -> Q:
    """Rows whose unit is in the viewer's scope, as ``unit_id IN (…units…)``: the database can then walk
    a list's ordering index and test each row against the (small) set of units, instead of joining
    every row to its unit to compare paths before it can sort."""
    return Q(**{f"{field}_id__in": Unit.objects.filter(viewer.unit_q(capability)).values("id")})


def _text_q(field: str, query: str) -> Q:
    """Diacritic-insensitive text match: PostgreSQL full-text on the folded column, LIKE elsewhere."""
    folded = fold(query)
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__fts": folded})
    return Q(**{f"{field}__contains": folded})


@dataclass(frozen=True)
class ConversationFilters:
    search: str = ""
    status: str = ""
    mine: bool = False
    sos: bool = False
    label_id: int | None = None
    unit_id: int | None = None


def conversation_list(*, viewer: Viewer, filters: ConversationFilters) -> QuerySet[Conversation]:
    """SOS first, then the newest; the page reads only conversation rows (never the messages) except
    when searching, where one EXISTS per row looks into the folded messages. An erased citizen's
    conversation, kept empty for the counts per commune, is left out."""
    qs = Conversation.objects.filter(
        _in_scope(viewer, Capability.VIEW_INBOX), citizen__erased_at__isnull=True
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.mine and viewer.user is not None:
        qs = qs.filter(assignee=viewer.user)
    if filters.sos:
        qs = qs.filter(is_sos=True)
    if filters.label_id:
        qs = qs.filter(labels__id=filters.label_id)
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    search = filters.search.strip()
    if search:
        folded = fold(search)
        matching = Entry.objects.filter(_text_q("text_folded", search), conversation=OuterRef("pk"))
        named = Citizen.objects.filter(name_folded__contains=folded).values("id")
        qs = qs.filter(Exists(matching) | Q(citizen_id__in=named))
    return (
        qs.select_related("citizen", "unit", "assignee")
        .prefetch_related("labels")
        .order_by("-is_sos", "-last_message_at", "-id")
    )


def access_conversation(
    viewer: Viewer, conversation_id: int, *, capability: Capability = Capability.VIEW_INBOX
) -> Conversation:
    conversation = (
        Conversation.objects.filter(
            viewer.unit_q(capability, "unit"), pk=conversation_id, citizen__erased_at__isnull=True
        )
        .select_related("citizen", "citizen__home_unit", "unit", "assignee")
        .first()
    )
    if conversation is None:
        raise NotFound()
    return conversation


def conversation_entries(conversation: Conversation, *, after_id: int = 0) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(conversation=conversation, pk__gt=after_id)
        .select_related("author", "sent")
        .prefetch_related("files")
        .order_by("occurred_at", "id")
    )


def access_message_file(viewer: Viewer, file_id: int) -> MessageAttachment:
    """A stored file of a citizen's message, only for staff who may see that conversation."""
    file = (
        MessageAttachment.objects.filter(
            viewer.unit_q(Capability.VIEW_INBOX, "entry__conversation__unit"),
            pk=file_id,
            status=FileStatus.STORED,
        )
        .select_related("entry")
        .first()
    )
    if file is None:
        raise NotFound()
    return file


def sos_conversations(*, viewer: Viewer, limit: int = 20) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(_in_scope(viewer, Capability.VIEW_INBOX), is_sos=True)
        .select_related("citizen", "unit")
        .order_by("-sos_at", "-id")[:limit]
    )


def consented_contact(conversation: Conversation) -> dict[str, str]:
    """Only the contact details the citizen agreed we use to reach them back (CONTACT or FEEDBACK)."""
    from caunoi.citizens.models import ConsentPurpose

    citizen = conversation.citizen
    if citizen.erased_at is not None:
        return {}
    purposes = set(citizen.consents.active().values_list("purpose", flat=True))
    if not purposes & {ConsentPurpose.CONTACT, ConsentPurpose.FEEDBACK}:
        return {}
    return {k: v for k, v in (("phone", citizen.phone), ("email", citizen.email)) if v}


@dataclass(frozen=True)
class PetitionFilters:
    search: str = ""
    status: str = ""
    kind: str = ""
    category_id: int | None = None
    unit_id: int | None = None
    overdue: bool = False
    mine: bool = False
    open_only: bool = False


def petition_list(*, viewer: Viewer, filters: PetitionFilters) -> QuerySet[Petition]:
    qs = Petition.objects.filter(_in_scope(viewer, Capability.VIEW_INBOX))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open_only:
        qs = qs.open()
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.unit_id:
        qs = qs.filter(Q(unit_id=filters.unit_id) | Q(commune_id=filters.unit_id))
    if filters.overdue:
        qs = qs.overdue(timezone.now())
    if filters.mine and viewer.user is not None:
        qs = qs.filter(assignee=viewer.user)
    search = filters.search.strip()
    if search:
        if search.upper().startswith(f"{search[:2].upper()}-") and search[:2].isalpha():
            qs = qs.filter(reference__iexact=search)
        else:
            qs = qs.filter(_text_q("text_folded", search))
    return qs.select_related("unit", "commune", "category", "assignee").order_by(
        "-is_sos", "-received_at", "-id"
    )


def access_petition(
    viewer: Viewer, petition_id: int, *, capability: Capability = Capability.VIEW_INBOX
) -> Petition:
    petition = (
        Petition.objects.filter(viewer.unit_q(capability, "unit"), pk=petition_id)
        .select_related(
            "unit", "commune", "village", "category", "citizen", "assignee", "merged_into", "conversation"
        )
        .prefetch_related(Prefetch("attachments", queryset=PetitionAttachment.objects.order_by("id")))
        .first()
    )
    if petition is None:
        raise NotFound()
    return petition


def access_attachment(viewer: Viewer, attachment_id: int) -> PetitionAttachment:
    attachment = (
        PetitionAttachment.objects.filter(
            viewer.unit_q(Capability.VIEW_INBOX, "petition__unit"), pk=attachment_id
        )
        .select_related("petition")
        .first()
    )
    if attachment is None:
        raise NotFound()
    return attachment


def access_entry(viewer: Viewer, entry_id: int, *, capability: Capability = Capability.HANDLE_INBOX) -> Entry:
    entry = (
        Entry.objects.filter(viewer.unit_q(capability, "conversation__unit"), pk=entry_id)
        .select_related(
            "conversation",
            "conversation__citizen",
            "conversation__citizen__home_unit",
            "conversation__unit",
            "inbound",
        )
        .first()
    )
    if entry is None:
        raise NotFound()
    return entry


def similar_petitions(
    petition: Petition, *, limit: int = 5, threshold: float = 0.35
) -> list[tuple[Petition, float]]:
    """Open cases in the same commune whose words are alike: candidates for a merge (gộp trùng)."""
    candidates = list(
        Petition.objects.open()
        .filter(commune=petition.commune, merged_into__isnull=True)
        .exclude(pk=petition.pk)
        .order_by("-received_at")[:500]
    )
    ranked = similarity.rank(petition.text_folded, [c.text_folded for c in candidates])
    return [(candidates[i], score) for i, score in ranked[:limit] if score >= threshold]


def petition_public(reference: str) -> Petition:
    """The case behind a reference code, for the public tracking page."""
    petition = (
        Petition.objects.select_related("unit", "commune", "category", "merged_into")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if petition is None:
        raise NotFound()
    return petition


def petition_public_events(petition: Petition) -> QuerySet[Any]:
    return petition.events.filter(public=True).order_by("occurred_at", "id")


def handling_units(viewer: Viewer, capability: Capability = Capability.HANDLE_INBOX) -> QuerySet[Unit]:
    return Unit.objects.active().filter(
        viewer.unit_q(capability), level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE]
    )


def places(viewer: Viewer, capability: Capability = Capability.HANDLE_INBOX) -> QuerySet[Unit]:
    return Unit.objects.active().filter(
        viewer.unit_q(capability), level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE]
    )


def transfer_targets(petition: Petition) -> QuerySet[Unit]:
    province = petition.commune.parent
    assert province is not None
    return (
        Unit.objects.active()
        .filter(Q(pk=province.pk) | Q(parent=province, level=UnitLevel.COMMUNE))
        .order_by("level", "name")
    )


def canned_answers(viewer: Viewer, unit: Unit) -> QuerySet[CannedAnswer]:
    ancestors = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"] + [unit.path]
    return CannedAnswer.objects.filter(unit__path__in=ancestors).order_by("title")


def labels_for(unit: Unit) -> QuerySet[Label]:
    ancestors = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"] + [unit.path]
    return Label.objects.filter(unit__path__in=ancestors)


def categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True)


def routing_rules(viewer: Viewer) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(viewer.unit_q(Capability.CONFIGURE_INBOX, "unit")).select_related(
        "unit", "category", "responsible_unit"
    )


def knowledge_entries(viewer: Viewer) -> QuerySet[KnowledgeEntry]:
    return KnowledgeEntry.objects.filter(viewer.unit_q(Capability.VIEW_INBOX, "unit")).select_related("unit")


def zalo_account_units() -> QuerySet[ZaloAccount, int]:
    """Units that have connected a Zalo Official Account (whose menu is worth generating first)."""
    return ZaloAccount.objects.filter(status=ZaloAccountStatus.CONNECTED).values_list("unit_id", flat=True)


def zalo_oa_id(unit: Unit) -> str:
    """The id of the unit's connected OA, named in the menu definition so it is pasted in the right one."""
    account = ZaloAccount.objects.filter(unit=unit, status=ZaloAccountStatus.CONNECTED).first()
    return account.oa_id if account is not None else ""


def inbox_counts(*, viewer: Viewer) -> dict[str, int]:
    """For the dashboard card and the navigation: open, SOS, overdue."""
    scope = _in_scope(viewer, Capability.VIEW_INBOX)
    conv = Conversation.objects.filter(scope).aggregate(
        open=Count("id", filter=Q(status=ConversationStatus.OPEN)), sos=Count("id", filter=Q(is_sos=True))
    )
    now = timezone.now()
    pet = Petition.objects.filter(scope).aggregate(
        open=Count("id", filter=Q(status__in=PetitionStatus.open_values())),
        overdue=Count(
            "id", filter=Q(status__in=PetitionStatus.open_values(), paused_at__isnull=True, due_at__lt=now)
        ),
    )
    return {
        "conversations": conv["open"],
        "sos": conv["sos"],
        "petitions": pet["open"],
        "overdue": pet["overdue"],
    }


@dataclass(frozen=True)
class Window:
    """One page of a list without counting the whole list: ``size + 1`` rows say whether more follow.

    ``COUNT(*)`` over a province's hundred thousand cases costs more than the page itself; officers
    page forwards and back, they do not need "page 7 of 2,000".
    """

    items: list[Any]
    number: int
    has_next: bool

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def window(qs: QuerySet[Any], page: str | None, size: int) -> Window:
    number = int(page) if page and page.isdigit() and 0 < int(page) < 10_000 else 1
    rows = list(qs[(number - 1) * size : number * size + 1])
    return Window(items=rows[:size], number=number, has_next=len(rows) > size)
