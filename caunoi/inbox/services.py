"""Every write of the inbox and petitions: conversations built from the channels' messages, replies,
notes, cases with their deadlines, transfers, escalation, the citizen's rating and reopening, and the
configuration (categories, routing, deadlines, canned answers, knowledge base).

Nothing here calls a provider inside a transaction: a reply is sent first, then recorded; a status
change is recorded, then a task sends it to the citizen (``petition_notify``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caunoi.accounts.selectors import viewer_for_user
from caunoi.channels.models import InboundMessage, WebhookEvent
from caunoi.citizens.models import Citizen
from caunoi.citizens.services import citizen_update
from caunoi.core import files as core_files
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.permissions import Capability
from caunoi.core.queue import enqueue_on_commit
from caunoi.core.services import audit_record
from caunoi.core.text import fold, nfc
from caunoi.geo.models import Unit, UnitLevel
from caunoi.inbox import deadlines, delivery, files, knowledge, similarity
from caunoi.inbox.models import (
    CannedAnswer,
    Category,
    Conversation,
    ConversationStatus,
    DeadlineRule,
    Entry,
    EntryKind,
    FileStatus,
    IngestCursor,
    KnowledgeEntry,
    Label,
    MessageAttachment,
    NotifyStatus,
    Petition,
    PetitionAttachment,
    PetitionEvent,
    PetitionEventKind,
    PetitionKind,
    PetitionSource,
    PetitionStatus,
    ReferenceCounter,
    RoutingRule,
)
from caunoi.inbox.sos import sos_cues

TEXT_MAX = 5000
PREVIEW_MAX = 200
# A knowledge-base answer goes out on its own only above this likeness; below, a person answers.
KNOWLEDGE_CONFIDENT = 0.62
KNOWLEDGE_MIN_WORDS = 2


def _reference_prefix() -> str:
    return str(settings.CAUNOI_INBOX_REFERENCE_PREFIX)


def _reopen_days() -> int:
    return int(settings.CAUNOI_INBOX_REOPEN_DAYS)


def _clean_text(text: str, *, field: str = "text", required: bool = True) -> str:
    text = nfc(text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationFailed(_("Write the text."), field=field)
    if len(text) > TEXT_MAX:
        raise ValidationFailed(
            _("Write at most %(limit)d characters (you wrote %(count)d).")
            % {"limit": TEXT_MAX, "count": len(text)},
            field=field,
        )
    return text


def _serving_unit(unit: Unit) -> Unit:
    """The unit whose inbox serves a place: a village is served by its commune."""
    if unit.level == UnitLevel.VILLAGE and unit.parent is not None:
        return unit.parent
    return unit


def _alert_unit_ids() -> set[int]:
    """Units under an active emergency alert (campaigns): replies from there go to the SOS queue."""
    from caunoi.campaigns.selectors import active_alert_units

    return active_alert_units()


# Conversations ----------------------------------------------------------------------------------


def _conversation_for(citizen: Citizen, when: dt.datetime) -> Conversation:
    conversation = Conversation.objects.select_for_update().filter(citizen=citizen).first()
    if conversation is None:
        conversation = Conversation.objects.create(
            citizen=citizen, unit=_serving_unit(citizen.home_unit), last_message_at=when
        )
    return conversation


def _attachment_summary(attachments: Sequence[Any]) -> list[dict[str, str]]:
    """Only the type and a shown name of what the citizen sent; the provider's links are not kept."""
    kept = []
    for item in attachments[:10]:
        if isinstance(item, dict):
            kept.append({"type": str(item.get("type", ""))[:24], "name": str(item.get("name", ""))[:200]})
    return kept


def conversations_ingest(*, limit: int = 500) -> list[int]:
    """Read the channels' new inbound messages into conversations; returns the conversations touched.

    Channels never call the inbox; this runs every second from the ingest pump (and on demand). The
    cursor row is locked, so two workers never take the same messages.
    """
    touched: list[int] = []
    auto_candidates: list[int] = []
    file_ids: list[int] = []
    alert_units = _alert_unit_ids()
    with transaction.atomic():
        cursor, _created = IngestCursor.objects.get_or_create(name="inbound")
        cursor = IngestCursor.objects.select_for_update().get(pk=cursor.pk)
        batch = list(
            InboundMessage.objects.filter(pk__gt=cursor.last_id)
            .select_related("citizen", "citizen__home_unit")
            .order_by("pk")[:limit]
        )
        if not batch:
            return []
        for message in batch:
            conversation = _conversation_for(message.citizen, message.occurred_at)
            text = message.text[:TEXT_MAX]
            cues = sos_cues(text)
            if not cues and message.citizen.home_unit_id in alert_units:
                cues = [_("reply during an emergency alert")]
            entry = Entry.objects.create(
                conversation=conversation,
                kind=EntryKind.INBOUND,
                inbound=message,
                channel=message.channel,
                text=text,
                text_folded=fold(text),
                attachments=_attachment_summary(message.attachments),
                occurred_at=message.occurred_at,
            )
            conversation.preview = (text or f"[{message.message_type}]")[:PREVIEW_MAX]
            conversation.last_channel = message.channel
            conversation.last_message_at = max(conversation.last_message_at, message.occurred_at)
            conversation.last_inbound_at = message.occurred_at
            conversation.unread = True
            conversation.status = ConversationStatus.OPEN
            if cues:
                conversation.is_sos = True
                conversation.sos_cues = sorted({*conversation.sos_cues, *cues})
                conversation.sos_at = conversation.sos_at or timezone.now()
            elif text:
                auto_candidates.append(entry.pk)
            conversation.save()
            touched.append(conversation.pk)
            file_ids.extend(_message_files(entry, message))
            if message.channel == "web" and text:
                _web_form_petition(message, conversation, entry)
        cursor.last_id = batch[-1].pk
        cursor.save(update_fields=["last_id", "updated_at"])
    if file_ids:
        from caunoi.inbox.tasks import message_file_fetch_task

        for file_id in file_ids:
            enqueue_on_commit(message_file_fetch_task, file_id)
    if auto_candidates and KnowledgeEntry.objects.filter(approved=True).exists():
        from caunoi.inbox.tasks import knowledge_answer_task

        for entry_id in auto_candidates:
            enqueue_on_commit(knowledge_answer_task, entry_id)
    return touched


# Zalo events whose text may ask for rescue; the lookahead reads only these.
SOS_EVENT_NAMES = ("user_send_text", "user_send_image", "user_send_file", "user_send_location")


def _payload_text(payload: Any) -> str:
    message = payload.get("message") if isinstance(payload, dict) else None
    text = message.get("text") if isinstance(message, dict) else None
    return text if isinstance(text, str) else ""


def sos_lookahead(*, limit: int = 5000) -> int:
    """Tin khẩn cấp đi trước: an SOS must not wait behind a backlog of ordinary webhooks.

    The channels' worker applies stored webhooks in arrival order; when hundreds a second arrive, an
    SOS would wait for all those before it. This reads the text of webhooks stored since the last look
    (each once: a cursor, started at the newest row so history is never rescanned) and has the channels
    apply the ones with SOS cues at once (``webhook_event_process``, safe to run twice), so the next
    ``conversations_ingest`` pins them. Returns how many it applied. Best effort: an event it misses
    (committed late, under a lower id) takes the ordinary path.
    """
    from caunoi.channels.services import webhook_event_process

    with transaction.atomic():
        cursor = IngestCursor.objects.filter(name="sos_lookahead").first()
        if cursor is None:
            newest = WebhookEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            cursor, _c = IngestCursor.objects.get_or_create(
                name="sos_lookahead", defaults={"last_id": newest}
            )
        cursor = IngestCursor.objects.select_for_update().get(pk=cursor.pk)
        rows = list(
            WebhookEvent.objects.filter(pk__gt=cursor.last_id)
            .order_by("pk")
            .values_list("pk", "event_name", "payload")[:limit]
        )
        if not rows:
            return 0
        cursor.last_id = rows[-1][0]
        cursor.save(update_fields=["last_id", "updated_at"])
    urgent = [
        pk for pk, name, payload in rows if name in SOS_EVENT_NAMES and sos_cues(_payload_text(payload))
    ]
    applied = 0
    for stored in WebhookEvent.objects.filter(pk__in=urgent, processed_at__isnull=True).order_by("pk"):
        webhook_event_process(stored=stored)
        applied += 1
    return applied


FETCHED_KINDS = ("image", "file")


def _message_files(entry: Entry, message: InboundMessage) -> list[int]:
    """A pending ``MessageAttachment`` for each photo or file of a Zalo message that has a link; the
    task ``message_file_fetch_task`` fetches them (the links expire after about 7 days)."""
    if message.channel != "zalo":
        return []
    made = []
    for position, item in enumerate(message.attachments[:10]):
        if isinstance(item, dict) and item.get("type") in FETCHED_KINDS and item.get("url"):
            row = MessageAttachment.objects.create(
                entry=entry,
                position=position,
                kind=item["type"],
                name=core_files.clean_name(str(item["name"])) if item.get("name") else "",
            )
            made.append(row.pk)
    return made


class FetchLater(Exception):
    """A file could not be fetched this time and may be next time: the task retries."""


def _api_host() -> str:
    return httpx.URL(str(settings.CAUNOI_ZALO_API_URL)).host or ""


def _fetch_reason(reason: str) -> str:
    """What staff read in the thread when a citizen's file could not be fetched."""
    reasons = {
        "host": _("The link is not on a Zalo file host, so it was not opened."),
        "expired": _("The link has expired (Zalo keeps files about 7 days)."),
        "too_large": _("The file is larger than the attachment limit."),
        "unavailable": _("Zalo's file host did not work."),
        "network": _("Zalo's file host did not answer."),
    }
    return reasons.get(reason, _("Zalo's file host refused the download."))


def message_file_fetch(*, file: MessageAttachment, final: bool = False) -> MessageAttachment:
    """Fetch, check and store the photo or document of a citizen's Zalo message.

    Stored like a case attachment (judged by its bytes, under its hash outside the web root). A link
    that expired, a host that is not Zalo's, a file too large or of a kind we do not take is recorded
    with the reason, at once; a network fault raises ``FetchLater`` until the ``final`` attempt, which
    records it. The message itself is never touched.
    """
    from caunoi.channels.zalo.client import MediaFetchError, fetch_media

    if file.status != FileStatus.PENDING:
        return file
    message = file.entry.inbound
    items = message.attachments if message is not None else []
    item = (
        items[file.position] if file.position < len(items) and isinstance(items[file.position], dict) else {}
    )
    url = str(item.get("url") or "")
    file.attempts += 1
    content = b""
    if not url:
        file.status, file.error = FileStatus.FAILED, _("The message no longer holds a link to the file.")
    else:
        try:
            content = fetch_media(
                url,
                max_bytes=int(settings.CAUNOI_INBOX_MAX_FILE_BYTES),
                extra_hosts=(_api_host(),),
                timeout=20,
            ).content
        except MediaFetchError as exc:
            file.error = f"{_fetch_reason(exc.reason)} ({exc})"[:300]
            if not exc.permanent and not final:
                # An update, not a save: the row is gone if the citizen's data was erased meanwhile.
                MessageAttachment.objects.filter(pk=file.pk).update(attempts=file.attempts, error=file.error)
                raise FetchLater(file.error) from exc
            file.status = FileStatus.FAILED
    if content:
        if file.kind == "image":
            real = core_files.sniff(content) or "bin"
            provider_id = message.provider_message_id if message is not None else str(file.pk)
            file.name = f"zalo-{provider_id[:40]}.{real}"
        try:
            checked = files.check_upload(file.name or "file", content)
        except ValidationFailed as exc:
            file.status, file.error = FileStatus.REFUSED, exc.message[:300]
        else:
            file.stored_name = files.store(checked)
            file.name, file.mime, file.size = checked.name, checked.mime, len(checked.content)
            file.status, file.error = FileStatus.STORED, ""
    file.fetched_at = timezone.now()
    conversation = file.entry.conversation
    with transaction.atomic():
        if not MessageAttachment.objects.select_for_update().filter(pk=file.pk).exists():
            # The citizen's data was erased while the file was being fetched: keep nothing of it.
            from caunoi.inbox.privacy import remove_unreferenced_files

            transaction.on_commit(lambda: remove_unreferenced_files([file.stored_name]))
            return file
        file.save()
        audit_record(
            actor=None,
            actor_label="zalo-files",
            action="conversation.file",
            obj=conversation,
            unit=conversation.unit,
            after={"file": file.pk, "status": file.status, "mime": file.mime},
        )
    return file


def _web_form_petition(message: InboundMessage, conversation: Conversation, entry: Entry) -> None:
    """The public web form is for feedback and petitions: each message is a case at once, in the
    commune or village the resident chose, so they get a reference code to follow."""
    place = message.citizen.home_unit
    commune = place.parent if place.level == UnitLevel.VILLAGE else place
    if commune is None or commune.level != UnitLevel.COMMUNE:
        return
    _petition_create(
        citizen=message.citizen,
        text=entry.text,
        title="",
        kind=PetitionKind.FEEDBACK,
        category=None,
        commune=commune,
        village=place if place.level == UnitLevel.VILLAGE else None,
        address="",
        latitude=None,
        longitude=None,
        source=PetitionSource.WEB,
        conversation=conversation,
        actor=None,
        actor_label="web",
    )


def _ward_in(province: Unit | None, ward_name: str) -> Unit | None:
    """The commune a Zalo form names (``user_ward``), matched without diacritics inside the province."""
    folded = fold(ward_name)
    if province is None or not folded:
        return None
    for unit in Unit.objects.filter(
        parent=province, level=UnitLevel.COMMUNE, name_folded__contains=folded.split(" ")[-1]
    ):
        if folded in (fold(unit.name), fold(unit.short_name)) or fold(unit.name).endswith(folded):
            return unit
    return None


def submit_info_ingest(*, limit: int = 200) -> list[Petition]:
    """A Zalo form (``user_submit_info``, the answer to the OA's request for contact and address) turns
    the citizen's last message into a case in the commune the form names; a resident whose commune was
    unknown moves to it. Without a commune we can match, the address is noted in the conversation and
    an officer opens the case by hand.

    The channels store the event and copy the name and phone onto the citizen; the case is ours.
    """
    from caunoi.channels.models import ChannelIdentity

    created: list[Petition] = []
    with transaction.atomic():
        cursor, _c = IngestCursor.objects.get_or_create(name="submit_info")
        cursor = IngestCursor.objects.select_for_update().get(pk=cursor.pk)
        events = list(
            WebhookEvent.objects.filter(
                pk__gt=cursor.last_id, event_name="user_submit_info", processed_at__isnull=False
            )
            .select_related("account", "account__unit")
            .order_by("pk")[:limit]
        )
        for event in events:
            payload = event.payload if isinstance(event.payload, dict) else {}
            info = payload.get("info") or {}
            address = info.get("full_address") or {}
            if isinstance(address, str):
                address = {"user_address": address}
            user_id = str((payload.get("sender") or {}).get("id", ""))
            identity = (
                ChannelIdentity.objects.select_related("citizen", "citizen__home_unit")
                .filter(channel="zalo", account=event.account, external_id=user_id)
                .first()
            )
            if identity is None or event.account is None:
                continue
            created.extend(_submit_info_case(identity.citizen, event.account.unit, address))
        if events:
            cursor.last_id = events[-1].pk
            cursor.save(update_fields=["last_id", "updated_at"])
    return created


def _submit_info_case(citizen: Citizen, oa_unit: Unit, address: dict[str, Any]) -> list[Petition]:
    place_text = ", ".join(
        nfc(str(address.get(k) or "")).strip()
        for k in ("user_address", "user_ward", "user_city")
        if address.get(k)
    )[:200]
    province = oa_unit if oa_unit.level == UnitLevel.PROVINCE else oa_unit.parent
    commune = _ward_in(province, str(address.get("user_ward") or ""))
    home = _serving_unit(citizen.home_unit)
    if commune is None and home.level == UnitLevel.COMMUNE:
        commune = home
    conversation = Conversation.objects.filter(citizen=citizen).first()
    last = (
        Entry.objects.filter(conversation=conversation, kind=EntryKind.INBOUND)
        .exclude(text="")
        .order_by("-occurred_at")
        .first()
        if conversation is not None
        else None
    )
    if commune is None or last is None:
        if conversation is not None:
            note = _("The citizen shared their address on Zalo: %(place)s") % {"place": place_text or "—"}
            Entry.objects.create(
                conversation=conversation, kind=EntryKind.EVENT, text=note, text_folded=fold(note)
            )
        return []
    if citizen.home_unit.level == UnitLevel.PROVINCE:
        citizen.home_unit = commune
        citizen.save(update_fields=["home_unit"])
        if conversation is not None:
            conversation.unit = commune
            conversation.save(update_fields=["unit"])
    if Petition.objects.filter(conversation=conversation, text=last.text).exists():
        return []
    return [
        _petition_create(
            citizen=citizen,
            text=last.text,
            title="",
            kind=PetitionKind.FEEDBACK,
            category=None,
            commune=commune,
            village=None,
            address=place_text,
            latitude=None,
            longitude=None,
            source=PetitionSource.ZALO_FORM,
            conversation=conversation,
            actor=None,
            actor_label="zalo",
        )
    ]


def conversation_reply(*, conversation: Conversation, text: str, actor: Any, channel: str = "") -> Entry:
    """Trả lời: send through the citizen's channel, then record what happened (sent or why not).

    A closed Zalo window is refused with words that say so and name the channels that still work.
    """
    text = _clean_text(text)
    citizen = conversation.citizen
    options = delivery.channel_options(citizen)
    wanted = channel or conversation.last_channel or ""
    usable = [o for o in options if o.available]
    chosen = next((o for o in usable if o.kind == wanted), None)
    if chosen is None:
        refused = next((o for o in options if o.kind == wanted), None)
        others = ", ".join(o.label for o in usable)
        reason = refused.reason if refused is not None else _("This channel cannot reach the citizen.")
        if others:
            raise InvalidState(
                _("%(reason)s Choose another channel: %(channels)s.")
                % {"reason": reason, "channels": others},
                field="channel",
            )
        raise InvalidState(
            _("%(reason)s No other channel reaches this citizen; add a note and call them if you can.")
            % {"reason": reason},
            field="channel",
        )
    reply_to = ""
    if chosen.kind == "zalo":
        last = (
            Entry.objects.filter(conversation=conversation, kind=EntryKind.INBOUND, channel="zalo")
            .select_related("inbound")
            .order_by("-occurred_at")
            .first()
        )
        reply_to = last.inbound.provider_message_id if last is not None and last.inbound is not None else ""
    outcome = delivery.send_text(
        citizen,
        text,
        channel=chosen.kind,
        subject=_("Answer from %(unit)s") % {"unit": conversation.unit.name},
        reply_to=reply_to,
    )
    now = timezone.now()
    with transaction.atomic():
        entry = Entry.objects.create(
            conversation=conversation,
            kind=EntryKind.REPLY,
            channel=outcome.channel,
            text=text,
            text_folded=fold(text),
            author=actor,
            sent=outcome.sent,
            send_error=outcome.error,
            occurred_at=now,
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            preview=text[:PREVIEW_MAX], last_message_at=now, unread=False
        )
        audit_record(
            actor=actor,
            action="conversation.reply",
            obj=conversation,
            unit=conversation.unit,
            after={"channel": outcome.channel, "sent": outcome.sent is not None},
        )
    return entry


def conversation_note(*, conversation: Conversation, text: str, actor: Any) -> Entry:
    """Ghi chú nội bộ: for colleagues only; never sent."""
    text = _clean_text(text)
    with transaction.atomic():
        entry = Entry.objects.create(
            conversation=conversation, kind=EntryKind.NOTE, text=text, text_folded=fold(text), author=actor
        )
        audit_record(actor=actor, action="conversation.note", obj=conversation, unit=conversation.unit)
    return entry


def conversation_assign(*, conversation: Conversation, assignee: Any, actor: Any) -> Conversation:
    """Phân công: the officer must serve the conversation's unit with the right to handle it."""
    if assignee is not None and not viewer_for_user(assignee).covers(
        Capability.HANDLE_INBOX, conversation.unit
    ):
        raise ValidationFailed(_("This officer does not serve this unit."), field="assignee")
    with transaction.atomic():
        before = conversation.assignee_id
        conversation.assignee = assignee
        conversation.save(update_fields=["assignee"])
        audit_record(
            actor=actor,
            action="conversation.assign",
            obj=conversation,
            unit=conversation.unit,
            before={"assignee": before},
            after={"assignee": assignee.pk if assignee is not None else None},
        )
    return conversation


def conversation_labels_set(
    *, conversation: Conversation, labels: Iterable[Label], actor: Any
) -> Conversation:
    labels = list(labels)
    if any(not conversation.unit.path.startswith(label.unit.path) for label in labels):
        raise ValidationFailed(_("Use the labels of this unit."), field="labels")
    with transaction.atomic():
        conversation.labels.set(labels)
        audit_record(
            actor=actor,
            action="conversation.labels",
            obj=conversation,
            unit=conversation.unit,
            after={"labels": sorted(label.name for label in labels)},
        )
    return conversation


def conversation_status_set(*, conversation: Conversation, status: str, actor: Any) -> Conversation:
    if status not in ConversationStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    with transaction.atomic():
        before = conversation.status
        conversation.status = status
        fields = ["status"]
        if status == ConversationStatus.CLOSED and conversation.is_sos:
            conversation.is_sos = False  # handled: it leaves the SOS queue
            fields.append("is_sos")
        conversation.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="conversation.status",
            obj=conversation,
            unit=conversation.unit,
            before={"status": before},
            after={"status": status},
        )
    return conversation


def conversation_sos_clear(*, conversation: Conversation, actor: Any) -> Conversation:
    """Đã xử lý khẩn cấp: the officer has acted on the SOS; it leaves the top of the queue."""
    with transaction.atomic():
        conversation.is_sos = False
        conversation.save(update_fields=["is_sos"])
        audit_record(
            actor=actor,
            action="conversation.sos_clear",
            obj=conversation,
            unit=conversation.unit,
            after={"cues": conversation.sos_cues},
        )
    return conversation


def conversation_mark_read(*, conversation: Conversation) -> None:
    if conversation.unread:
        Conversation.objects.filter(pk=conversation.pk).update(unread=False)
        conversation.unread = False


def conversation_commune_set(*, conversation: Conversation, place: Unit, actor: Any) -> Conversation:
    """Residents who wrote on the province's Zalo start at province level ("commune not known yet"):
    the officer who learns their commune or village sets it, and the conversation moves to that inbox.
    """
    if place.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ValidationFailed(_("Choose the citizen's commune or village."), field="place")
    citizen = conversation.citizen
    with transaction.atomic():
        citizen_update(
            citizen=citizen,
            display_name=citizen.display_name,
            phone=citizen.phone,
            email=citizen.email,
            preferred_language=citizen.preferred_language or "vi",
            home_unit=place,
            actor=actor,
        )
        before = conversation.unit
        conversation.unit = _serving_unit(place)
        conversation.save(update_fields=["unit"])
        audit_record(
            actor=actor,
            action="conversation.move",
            obj=conversation,
            unit=conversation.unit,
            before={"unit": before.code},
            after={"unit": conversation.unit.code},
        )
    return conversation


# Knowledge base: automatic answers ------------------------------------------------------------


def knowledge_match(*, unit: Unit, text: str) -> tuple[KnowledgeEntry | None, float]:
    """The approved entry of this unit (or a unit above it) for ``text``, with its likeness.

    A message that is exactly one of an entry's keywords (typed, or sent by a Zalo menu item whose
    ``oa.query`` payload is that keyword) is a certain match (1.0), the closest unit's entry first;
    otherwise the entry most like the text, which needs a few words to be judged at all.
    """
    entries = knowledge.approved_for(unit)
    if not entries:
        return None, 0.0
    key = knowledge.keyword_key(text)
    for entry in entries:
        if key and key in {knowledge.keyword_key(word) for word in knowledge.keywords_of(entry)}:
            return entry, 1.0
    if len(fold(text).split()) < KNOWLEDGE_MIN_WORDS:
        return None, 0.0
    ranked = similarity.rank(text, [e.search_folded for e in entries])
    index, score = ranked[0]
    return entries[index], score


def knowledge_answer(*, entry: Entry) -> Entry | None:
    """Trả lời tự động: a confident match gets the approved answer at once, marked automatic; an unsure
    one leaves the message to a person. Never for an SOS, and only for the newest message."""
    conversation = entry.conversation
    if conversation.is_sos or entry.kind != EntryKind.INBOUND:
        return None
    newer = Entry.objects.filter(conversation=conversation, occurred_at__gt=entry.occurred_at).exists()
    if newer:
        return None
    match, score = knowledge_match(unit=conversation.unit, text=entry.text)
    if match is None or score < KNOWLEDGE_CONFIDENT:
        return None
    text = _(
        "%(answer)s\n\n(Automatic answer. An officer will read your message too if you write again.)"
    ) % {"answer": match.answer}
    reply_to = entry.inbound.provider_message_id if entry.inbound is not None else ""
    channel = entry.channel if entry.channel in delivery.REPLY_CHANNELS else ""
    outcome = delivery.send_text(conversation.citizen, text, channel=channel, reply_to=reply_to)
    if outcome.sent is None:
        return None  # nobody to answer automatically: a person will
    now = timezone.now()
    with transaction.atomic():
        auto = Entry.objects.create(
            conversation=conversation,
            kind=EntryKind.AUTO,
            channel=outcome.channel,
            text=text,
            text_folded=fold(text),
            sent=outcome.sent,
            send_error=outcome.error,
            occurred_at=now,
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            status=ConversationStatus.WAITING, unread=False, preview=text[:PREVIEW_MAX], last_message_at=now
        )
        audit_record(
            actor=None,
            actor_label="knowledge-base",
            action="conversation.auto_answer",
            obj=conversation,
            unit=conversation.unit,
            after={"entry": match.pk, "score": round(score, 3)},
        )
    return auto


# Petitions ------------------------------------------------------------------------------------


def _next_reference(now: dt.datetime) -> str:
    prefix = _reference_prefix()
    year = timezone.localtime(now).year
    ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def route_for(*, commune: Unit, village: Unit | None, category: Category | None) -> tuple[Unit, str]:
    """Who answers a case in this place about this category: a rule for the category beats one for
    every category, then the closest place wins (village, commune, province); with no rule, the
    commune itself answers."""
    places = [u for u in (village, commune, commune.parent) if u is not None]
    wanted = Q(category__isnull=True) | (Q(category=category) if category is not None else Q(pk__in=[]))
    rules = list(
        RoutingRule.objects.filter(wanted, unit__in=places).select_related("responsible_unit", "unit")
    )
    if not rules:
        return commune, ""
    best = max(rules, key=lambda r: (r.category_id is not None, len(r.unit.path)))
    return best.responsible_unit, best.office


def _event(
    petition: Petition,
    kind: str,
    *,
    actor: Any = None,
    text: str = "",
    public: bool = False,
    from_unit: Unit | None = None,
    to_unit: Unit | None = None,
    notify: bool = False,
) -> PetitionEvent:
    event = PetitionEvent.objects.create(
        petition=petition,
        kind=kind,
        status=petition.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        text=text,
        public=public,
        from_unit=from_unit,
        to_unit=to_unit,
        notify=NotifyStatus.PENDING if notify else NotifyStatus.NONE,
    )
    if notify:
        from caunoi.inbox.tasks import petition_notify_task

        enqueue_on_commit(petition_notify_task, event.pk)
    return event


def _validate_place(commune: Unit, village: Unit | None) -> None:
    if commune.level != UnitLevel.COMMUNE:
        raise ValidationFailed(_("Choose the commune where this happens."), field="commune")
    if village is not None and village.parent_id != commune.pk:
        raise ValidationFailed(_("This village is not in the chosen commune."), field="village")


def _coordinate(value: Any, low: int, high: int, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        raise ValidationFailed(_("Give the coordinate as a number."), field=field) from None
    if not low <= number <= high:
        raise ValidationFailed(_("This coordinate is out of range."), field=field)
    return number


MEDIA_URL_MAX = 500


def _media_link(value: str) -> str:
    """A link to a photo given by an Open311 app: kept for staff to open in their own browser, never
    fetched by the server (a URL from outside could point it at an internal address), never published.
    Only an absolute http(s) URL without credentials is kept."""
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if (
        len(value) > MEDIA_URL_MAX
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or any(ch.isspace() or ord(ch) < 32 for ch in value)
    ):
        raise ValidationFailed(
            _("Give an http or https link of at most %(limit)d characters, without a password.")
            % {"limit": MEDIA_URL_MAX},
            field="media_url",
        )
    return value


def _petition_create(
    *,
    citizen: Citizen,
    text: str,
    title: str,
    kind: str,
    category: Category | None,
    commune: Unit,
    village: Unit | None,
    address: str,
    latitude: Any,
    longitude: Any,
    source: str,
    conversation: Conversation | None,
    actor: Any,
    actor_label: str | None = None,
    attachments: Sequence[files.CheckedFile] = (),
    media_url: str = "",
) -> Petition:
    text = _clean_text(text)
    title = nfc(title or "").strip()[:200] or text.split("\n", 1)[0][:120]
    if kind not in PetitionKind.values:
        raise ValidationFailed(_("Choose the kind of case."), field="kind")
    if source not in PetitionSource.values:
        raise ValidationFailed(_("Unknown way of receiving the case."), field="source")
    _validate_place(commune, village)
    lat = _coordinate(latitude, -90, 90, "latitude")
    lon = _coordinate(longitude, -180, 180, "longitude")
    media_url = _media_link(media_url)
    now = timezone.now()
    unit, office = route_for(commune=commune, village=village, category=category)
    stored = [(f, files.store(f)) for f in attachments]
    with transaction.atomic():
        petition = Petition.objects.create(
            reference=_next_reference(now),
            kind=kind,
            source=source,
            title=title,
            text=text,
            text_folded=fold(f"{title} {text}"),
            category=category,
            citizen=citizen,
            conversation=conversation,
            commune=commune,
            village=village,
            address=nfc(address or "").strip()[:200],
            latitude=lat,
            longitude=lon,
            media_url=media_url,
            unit=unit,
            office=office,
            is_sos=bool(sos_cues(f"{title} {text}")),
            received_at=now,
            due_at=deadlines.due_from(now, kind),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for checked, stored_name in stored:
            PetitionAttachment.objects.create(
                petition=petition,
                name=checked.name,
                mime=checked.mime,
                size=len(checked.content),
                stored_name=stored_name,
            )
        _event(petition, PetitionEventKind.CREATED, actor=actor, public=True, notify=True)
        if unit.pk != commune.pk or office:
            _event(
                petition, PetitionEventKind.ROUTED, actor=actor, from_unit=commune, to_unit=unit, text=office
            )
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="petition.create",
            obj=petition,
            unit=unit,
            after={"reference": petition.reference, "kind": kind, "source": source},
        )
    return petition


def petition_create(
    *,
    citizen: Citizen,
    text: str,
    commune: Unit,
    source: str,
    actor: Any,
    title: str = "",
    kind: str = PetitionKind.FEEDBACK,
    category: Category | None = None,
    village: Unit | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    conversation: Conversation | None = None,
    attachments: Sequence[files.CheckedFile] = (),
    actor_label: str | None = None,
    media_url: str = "",
) -> Petition:
    """Tiếp nhận phản ánh, kiến nghị: a case with a reference code, routed and given its deadline.

    Used by officers entering a case for a citizen (phone, in person), by the public web form and by
    Open311 (with ``actor`` a token viewer); the citizen hears the reference code on their channel.
    """
    return _petition_create(
        citizen=citizen,
        text=text,
        title=title,
        kind=kind,
        category=category,
        commune=commune,
        village=village,
        address=address,
        latitude=latitude,
        longitude=longitude,
        source=source,
        conversation=conversation
        if conversation is not None
        else Conversation.objects.filter(citizen=citizen).first(),
        actor=actor,
        actor_label=actor_label,
        attachments=attachments,
        media_url=media_url,
    )


def petition_from_entry(
    *,
    entry: Entry,
    actor: Any,
    commune: Unit | None = None,
    village: Unit | None = None,
    category: Category | None = None,
    kind: str = PetitionKind.FEEDBACK,
) -> Petition:
    """One click from a message: the citizen's words become the case, in their commune."""
    if entry.kind != EntryKind.INBOUND:
        raise InvalidState(_("Only a citizen's message can become a case."))
    existing = Petition.objects.filter(conversation=entry.conversation, text=entry.text).first()
    if existing is not None:
        return existing  # a double click does not open the same case twice
    citizen = entry.conversation.citizen
    home = citizen.home_unit
    if commune is None:
        if home.level == UnitLevel.VILLAGE:
            commune, village = home.parent, village or home
        elif home.level == UnitLevel.COMMUNE:
            commune = home
        else:
            raise ValidationFailed(
                _("Set the citizen's commune first, or choose where this happens."), field="commune"
            )
    assert commune is not None
    source = {"zalo": PetitionSource.ZALO, "web": PetitionSource.WEB, "sms": PetitionSource.SMS}.get(
        entry.channel, PetitionSource.EMAIL if entry.channel == "email" else PetitionSource.ZALO
    )
    with transaction.atomic():
        petition = _petition_create(
            citizen=citizen,
            text=entry.text or _("(message without text)"),
            title="",
            kind=kind,
            category=category,
            commune=commune,
            village=village,
            address="",
            latitude=None,
            longitude=None,
            source=source,
            conversation=entry.conversation,
            actor=actor,
        )
        for file in entry.files.filter(status=FileStatus.STORED):  # the photos it came with
            PetitionAttachment.objects.create(
                petition=petition,
                name=file.name,
                mime=file.mime,
                size=file.size or 0,
                stored_name=file.stored_name,
            )
    return petition


def petition_attachment_add(
    *, petition: Petition, upload: files.CheckedFile, actor: Any
) -> PetitionAttachment:
    stored_name = files.store(upload)
    with transaction.atomic():
        attachment = PetitionAttachment.objects.create(
            petition=petition,
            name=upload.name,
            mime=upload.mime,
            size=len(upload.content),
            stored_name=stored_name,
        )
        audit_record(
            actor=actor,
            action="petition.attachment",
            obj=petition,
            unit=petition.unit,
            after={"mime": upload.mime},
        )
    return attachment


def _require_open(petition: Petition) -> None:
    if not petition.is_open:
        raise InvalidState(_("This case is no longer open."))


def petition_assign(*, petition: Petition, assignee: Any, actor: Any) -> Petition:
    if assignee is not None and not viewer_for_user(assignee).covers(Capability.HANDLE_INBOX, petition.unit):
        raise ValidationFailed(_("This officer does not serve this unit."), field="assignee")
    with transaction.atomic():
        petition.assignee = assignee
        if petition.status == PetitionStatus.RECEIVED and assignee is not None:
            petition.status = PetitionStatus.IN_PROGRESS
        petition.save(update_fields=["assignee", "status", "updated_at"])
        _event(petition, PetitionEventKind.ASSIGNED, actor=actor, text=str(assignee or ""))
        audit_record(
            actor=actor,
            action="petition.assign",
            obj=petition,
            unit=petition.unit,
            after={"assignee": assignee.pk if assignee is not None else None},
        )
    return petition


def petition_transfer(
    *, petition: Petition, to_unit: Unit, actor: Any, reason: str, office: str = ""
) -> Petition:
    """Chuyển: to another commune or up to the province. The reference, the deadline and what the
    citizen sees stay the same; the history keeps who moved it and why."""
    _require_open(petition)
    reason = _clean_text(reason, field="reason")
    if to_unit.level not in (UnitLevel.COMMUNE, UnitLevel.PROVINCE):
        raise ValidationFailed(_("Transfer to a commune or to the province."), field="to_unit")
    if to_unit.pk == petition.unit_id and office == petition.office:
        raise ValidationFailed(_("The case is already there."), field="to_unit")
    province = petition.commune.parent
    if province is None or not to_unit.path.startswith(province.path):
        raise ValidationFailed(_("Transfer within the province."), field="to_unit")
    with transaction.atomic():
        before = petition.unit
        petition.unit = to_unit
        petition.office = nfc(office).strip()[:120]
        petition.assignee = None
        petition.save(update_fields=["unit", "office", "assignee", "updated_at"])
        _event(
            petition,
            PetitionEventKind.TRANSFERRED,
            actor=actor,
            text=reason,
            from_unit=before,
            to_unit=to_unit,
        )
        audit_record(
            actor=actor,
            action="petition.transfer",
            obj=petition,
            unit=to_unit,
            before={"unit": before.code},
            after={"unit": to_unit.code, "office": petition.office},
        )
    return petition


def petition_status_set(*, petition: Petition, status: str, actor: Any, text: str = "") -> Petition:
    """Đang xử lý / chờ người dân bổ sung: waiting stops the clock; going back to work restarts it with
    the stopped working days given back. Every change is sent to the citizen."""
    _require_open(petition)
    if status not in (PetitionStatus.IN_PROGRESS, PetitionStatus.WAITING):
        raise ValidationFailed(_("Choose being handled or waiting for the citizen."), field="status")
    text = _clean_text(text, required=status == PetitionStatus.WAITING)
    if status == petition.status:
        return petition
    now = timezone.now()
    with transaction.atomic():
        before = petition.status
        if status == PetitionStatus.WAITING:
            petition.paused_at = now
        elif petition.paused_at is not None:
            petition.due_at = deadlines.due_after_pause(petition.due_at, petition.paused_at, now)
            petition.paused_at = None
        petition.status = status
        petition.save(update_fields=["status", "paused_at", "due_at", "updated_at"])
        _event(petition, PetitionEventKind.STATUS, actor=actor, text=text, public=True, notify=True)
        audit_record(
            actor=actor,
            action="petition.status",
            obj=petition,
            unit=petition.unit,
            before={"status": before},
            after={"status": status},
        )
    return petition


def petition_answer(*, petition: Petition, answer: str, actor: Any) -> Petition:
    """Trả lời kết quả: the answer is published on the tracking page and sent to the citizen, who can
    rate it and reopen the case for a while (``CAUNOI_INBOX_REOPEN_DAYS``)."""
    _require_open(petition)
    answer = _clean_text(answer, field="answer")
    now = timezone.now()
    with transaction.atomic():
        if petition.paused_at is not None:
            petition.due_at = deadlines.due_after_pause(petition.due_at, petition.paused_at, now)
            petition.paused_at = None
        petition.answer = answer
        petition.answered_at = now
        petition.answered_on_time = now <= petition.due_at
        petition.status = PetitionStatus.ANSWERED
        petition.save(
            update_fields=[
                "answer",
                "answered_at",
                "answered_on_time",
                "status",
                "paused_at",
                "due_at",
                "updated_at",
            ]
        )
        _event(petition, PetitionEventKind.ANSWERED, actor=actor, text=answer, public=True, notify=True)
        audit_record(
            actor=actor,
            action="petition.answer",
            obj=petition,
            unit=petition.unit,
            after={"on_time": petition.answered_on_time},
        )
    return petition


def petition_close(*, petition: Petition, actor: Any) -> Petition:
    if petition.status not in (PetitionStatus.ANSWERED, *PetitionStatus.open_values()):
        raise InvalidState(_("This case is already closed."))
    with transaction.atomic():
        petition.status = PetitionStatus.CLOSED
        petition.closed_at = timezone.now()
        petition.save(update_fields=["status", "closed_at", "updated_at"])
        _event(petition, PetitionEventKind.STATUS, actor=actor, public=True, notify=True)
        audit_record(actor=actor, action="petition.close", obj=petition, unit=petition.unit)
    return petition


def petition_note(*, petition: Petition, text: str, actor: Any) -> PetitionEvent:
    text = _clean_text(text)
    with transaction.atomic():
        event = _event(petition, PetitionEventKind.NOTE, actor=actor, text=text)
        audit_record(actor=actor, action="petition.note", obj=petition, unit=petition.unit)
    return event


def petition_merge(*, petition: Petition, into: Petition, actor: Any) -> Petition:
    """Gộp: a duplicate joins the main case; its citizen is told the main case's code and hears every
    later change of it (``petition_notify`` tells the citizens of merged cases too)."""
    _require_open(petition)
    if into.pk == petition.pk or into.merged_into_id is not None:
        raise ValidationFailed(_("Choose another open case to merge into."), field="into")
    if not into.is_open:
        raise InvalidState(_("Merge into a case that is still open."))
    with transaction.atomic():
        petition.status = PetitionStatus.MERGED
        petition.merged_into = into
        petition.closed_at = timezone.now()
        petition.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
        _event(petition, PetitionEventKind.MERGED, actor=actor, text=into.reference, public=True, notify=True)
        _event(
            into,
            PetitionEventKind.NOTE,
            actor=actor,
            text=_("Merged here: %(ref)s") % {"ref": petition.reference},
        )
        audit_record(
            actor=actor,
            action="petition.merge",
            obj=petition,
            unit=petition.unit,
            after={"into": into.reference},
        )
    return petition


def petition_rate(*, petition: Petition, rating: int, comment: str = "") -> Petition:
    """Đánh giá: the citizen, through the signed link they received, rates the answer (1 to 5)."""
    if (
        petition.status not in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)
        or petition.answered_at is None
    ):
        raise InvalidState(_("The case has not been answered yet."))
    if not 1 <= int(rating) <= 5:
        raise ValidationFailed(_("Choose from 1 to 5 stars."), field="rating")
    with transaction.atomic():
        petition.rating = int(rating)
        petition.rating_comment = nfc(comment or "").strip()[:500]
        petition.rated_at = timezone.now()
        petition.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        _event(petition, PetitionEventKind.RATED, text=str(rating))
        audit_record(
            actor=None,
            actor_label="citizen",
            action="petition.rate",
            obj=petition,
            unit=petition.unit,
            after={"rating": rating},
        )
    return petition


def petition_reopen(*, petition: Petition, reason: str) -> Petition:
    """Mở lại: within the reopening period the citizen can say the answer did not solve it. The case
    gets a fresh deadline and goes back to being handled."""
    if (
        petition.status not in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)
        or petition.answered_at is None
    ):
        raise InvalidState(_("Only an answered case can be reopened."))
    if timezone.now() - petition.answered_at > dt.timedelta(days=_reopen_days()):
        raise InvalidState(_("The time to reopen this case has passed; send a new message instead."))
    reason = _clean_text(reason, field="reason")
    now = timezone.now()
    with transaction.atomic():
        petition.status = PetitionStatus.IN_PROGRESS
        petition.reopened += 1
        petition.closed_at = None
        petition.due_at = deadlines.due_from(now, petition.kind)
        petition.reminded_at = None
        petition.save(
            update_fields=["status", "reopened", "closed_at", "due_at", "reminded_at", "updated_at"]
        )
        _event(petition, PetitionEventKind.REOPENED, text=reason, public=True, notify=True)
        audit_record(
            actor=None, actor_label="citizen", action="petition.reopen", obj=petition, unit=petition.unit
        )
    return petition


def petitions_remind_due(*, now: dt.datetime | None = None) -> int:
    """Nhắc hạn: open cases close to their deadline get one reminder (on the case and in the inbox)."""
    now = now or timezone.now()
    count = 0
    horizon = now + dt.timedelta(days=21)  # no rule reminds more than three weeks ahead
    candidates = Petition.objects.open().filter(
        paused_at__isnull=True, reminded_at__isnull=True, due_at__gte=now, due_at__lte=horizon
    )
    for petition in candidates.select_related("unit").iterator():
        _days, before = deadlines.rule_for(petition.kind)
        if deadlines.working_days_left(petition.due_at, now) > before:
            continue
        with transaction.atomic():
            updated = Petition.objects.filter(pk=petition.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not updated:
                continue
            _event(
                petition,
                PetitionEventKind.REMINDED,
                text=timezone.localtime(petition.due_at).strftime("%d/%m/%Y"),
            )
            audit_record(actor=None, action="petition.remind", obj=petition, unit=petition.unit)
            count += 1
    return count


def petitions_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Chuyển lên cấp trên: an overdue case of a commune goes up to the province, kept in the history."""
    now = now or timezone.now()
    count = 0
    overdue = (
        Petition.objects.overdue(now)
        .filter(unit__level=UnitLevel.COMMUNE)
        .select_related("unit", "unit__parent")
    )
    for petition in overdue.iterator():
        parent = petition.unit.parent
        if parent is None:
            continue
        with transaction.atomic():
            locked = Petition.objects.select_for_update().filter(pk=petition.pk, unit=petition.unit).first()
            if locked is None:
                continue
            before = locked.unit
            locked.unit = parent
            locked.escalated_at = now
            locked.escalations += 1
            locked.assignee = None
            locked.save(update_fields=["unit", "escalated_at", "escalations", "assignee", "updated_at"])
            _event(
                locked,
                PetitionEventKind.ESCALATED,
                text=_("Overdue since %(due)s")
                % {"due": timezone.localtime(locked.due_at).strftime("%d/%m/%Y")},
                from_unit=before,
                to_unit=parent,
            )
            audit_record(
                actor=None,
                action="petition.escalate",
                obj=locked,
                unit=parent,
                before={"unit": before.code},
                after={"unit": parent.code},
            )
            count += 1
    return count


def _status_message(petition: Petition, event: PetitionEvent) -> str:
    from caunoi.inbox.public import tracking_url

    status = PetitionStatus(petition.status).label
    lines = [_("Case %(ref)s: %(status)s.") % {"ref": petition.reference, "status": status}]
    if event.kind == PetitionEventKind.CREATED:
        lines = [
            _("We received your message. Your case code is %(ref)s. We will answer by %(due)s.")
            % {"ref": petition.reference, "due": timezone.localtime(petition.due_at).strftime("%d/%m/%Y")}
        ]
    elif event.kind == PetitionEventKind.ANSWERED:
        lines.append(event.text)
        lines.append(
            _("Rate the answer or reopen the case: %(url)s") % {"url": tracking_url(petition, signed=True)}
        )
    elif event.kind == PetitionEventKind.MERGED:
        lines = [
            _("Case %(ref)s is handled together with case %(main)s; you will hear about it.")
            % {"ref": petition.reference, "main": event.text}
        ]
    elif event.text:
        lines.append(event.text)
    lines.append(_("Follow it at %(url)s") % {"url": tracking_url(petition)})
    return "\n".join(lines)


def petition_notify(*, event: PetitionEvent) -> PetitionEvent:
    """Send one public change to the citizen (and to the citizens of cases merged into this one), on
    the first of their channels that reaches them now; record the outcome on the event."""
    if event.notify != NotifyStatus.PENDING:
        return event
    petition = event.petition
    recipients = [petition.citizen] + [
        p.citizen for p in Petition.objects.filter(merged_into=petition).select_related("citizen")
    ]
    outcomes = []
    for citizen in recipients:
        if citizen is None or citizen.erased_at is not None:  # erased: the case no longer names anyone
            continue
        with translation.override("vi"):
            outcomes.append(
                delivery.send_text(citizen, _status_message(petition, event), tracking_id=f"pe{event.pk}")
            )
    first = outcomes[0] if outcomes else None
    event.notify = NotifyStatus.SENT if first is not None and first.sent is not None else NotifyStatus.FAILED
    event.notify_channel = first.channel if first is not None else ""
    event.notify_error = (first.error if first is not None else _("The citizen's data was erased."))[:300]
    event.save(update_fields=["notify", "notify_channel", "notify_error"])
    return event


# Configuration (CONFIGURE_INBOX) ----------------------------------------------------------------


def category_save(
    *,
    code: str,
    name: str,
    actor: Any,
    description: str = "",
    default_kind: str = PetitionKind.FEEDBACK,
    active: bool = True,
    order: int = 100,
) -> Category:
    name = nfc(name).strip()
    if not name:
        raise ValidationFailed(_("Give the category a name."), field="name")
    with transaction.atomic():
        category, created = Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name[:120],
                "description": nfc(description)[:300],
                "default_kind": default_kind,
                "active": active,
                "order": order,
            },
        )
        audit_record(
            actor=actor, action="inbox.category", obj=category, after={"code": code, "created": created}
        )
    return category


def deadline_rule_set(*, kind: str, working_days: int, remind_days_before: int, actor: Any) -> DeadlineRule:
    if kind not in PetitionKind.values:
        raise ValidationFailed(_("Choose the kind of case."), field="kind")
    if not 1 <= working_days <= 120:
        raise ValidationFailed(_("Between 1 and 120 working days."), field="working_days")
    if not 0 <= remind_days_before < working_days:
        raise ValidationFailed(
            _("Remind fewer days before than the time allowed."), field="remind_days_before"
        )
    with transaction.atomic():
        rule, _c = DeadlineRule.objects.update_or_create(
            kind=kind, defaults={"working_days": working_days, "remind_days_before": remind_days_before}
        )
        audit_record(
            actor=actor, action="inbox.deadline", obj=rule, after={"kind": kind, "days": working_days}
        )
    return rule


def routing_rule_save(
    *, unit: Unit, category: Category | None, responsible_unit: Unit, office: str, actor: Any
) -> RoutingRule:
    if not responsible_unit.path.startswith(unit.path.split("/")[0]) and unit.level != UnitLevel.COUNTRY:
        raise ValidationFailed(_("Route within the province."), field="responsible_unit")
    with transaction.atomic():
        rule, _c = RoutingRule.objects.update_or_create(
            unit=unit,
            category=category,
            defaults={"responsible_unit": responsible_unit, "office": nfc(office).strip()[:120]},
        )
        audit_record(
            actor=actor, action="inbox.routing_rule", obj=rule, unit=unit, after={"to": responsible_unit.code}
        )
    return rule


def routing_rule_delete(*, rule: RoutingRule, actor: Any) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="inbox.routing_rule_delete", obj=rule, unit=rule.unit)
        rule.delete()


def canned_answer_save(
    *, unit: Unit, title: str, text: str, actor: Any, answer: CannedAnswer | None = None
) -> CannedAnswer:
    title = nfc(title).strip()[:120]
    text = _clean_text(text)
    if not title:
        raise ValidationFailed(_("Give it a title."), field="title")
    with transaction.atomic():
        answer = answer or CannedAnswer(unit=unit)
        answer.title, answer.text = title, text
        answer.save()
        audit_record(actor=actor, action="inbox.canned_answer", obj=answer, unit=answer.unit)
    return answer


def knowledge_entry_save(
    *,
    unit: Unit,
    question: str,
    answer: str,
    keywords: str,
    approved: bool,
    actor: Any,
    entry: KnowledgeEntry | None = None,
) -> KnowledgeEntry:
    question = nfc(question).strip()[:300]
    if not question:
        raise ValidationFailed(_("Write the question."), field="question")
    answer = _clean_text(answer, field="answer")
    keywords = nfc(keywords).strip()
    if len(keywords) > 300:
        raise ValidationFailed(_("Write at most 300 characters of keywords."), field="keywords")
    with transaction.atomic():
        entry = entry or KnowledgeEntry(unit=unit)
        entry.question, entry.answer = question, answer
        entry.keywords = keywords
        if approved:
            _check_keywords_free(entry)
        entry.approved = approved
        entry.search_folded = fold(f"{question} {entry.keywords.replace(',', ' ')}")
        entry.save()
        audit_record(
            actor=actor, action="inbox.knowledge", obj=entry, unit=unit, after={"approved": approved}
        )
    return entry


def _check_keywords_free(entry: KnowledgeEntry) -> None:
    """A keyword answers one question per unit: a second approved entry of the same unit with the same
    keyword (with or without diacritics) would make the Zalo reply depend on chance."""
    for word in knowledge.keywords_of(entry):
        if len(word) > knowledge.KEYWORD_MAX:
            raise ValidationFailed(
                _("A keyword is at most %(limit)d characters: “%(word)s” is longer.")
                % {"limit": knowledge.KEYWORD_MAX, "word": word[:40]},
                field="keywords",
            )
    mine = {knowledge.keyword_key(word): word for word in knowledge.keywords_of(entry)}
    others = KnowledgeEntry.objects.filter(unit=entry.unit, approved=True).exclude(pk=entry.pk)
    for other in others:
        for word in knowledge.keywords_of(other):
            if knowledge.keyword_key(word) in mine:
                raise ValidationFailed(
                    _("The keyword “%(word)s” already answers “%(question)s” in this unit.")
                    % {"word": mine[knowledge.keyword_key(word)], "question": other.question},
                    field="keywords",
                )


def label_create(*, unit: Unit, name: str, actor: Any) -> Label:
    name = nfc(name).strip()[:40]
    if not name:
        raise ValidationFailed(_("Give the label a name."), field="name")
    with transaction.atomic():
        label, _c = Label.objects.get_or_create(unit=unit, name=name)
        audit_record(actor=actor, action="inbox.label", obj=label, unit=unit)
    return label
