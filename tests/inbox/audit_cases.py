"""Audit cases of the inbox services, run by tests/accounts/test_audit_per_service.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from caunoi.channels.models import InboundMessage
from caunoi.core.files import CheckedFile
from caunoi.inbox import services as inbox
from caunoi.inbox.models import (
    Category,
    Conversation,
    MessageAttachment,
    Petition,
    PetitionKind,
    PetitionSource,
    PetitionStatus,
    RoutingRule,
)
from tests.accounts.test_audit_per_service import Expect
from tests.conftest import Personas
from tests.inbox.helpers import citizen_in, write_in

S = "caunoi.inbox.services."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _conversation(p: Personas) -> Conversation:
    return write_in(citizen_in(p.units["commune"]), "Đèn đường hỏng").conversation


def _petition(p: Personas, **kwargs: Any) -> Petition:
    return inbox.petition_create(
        citizen=citizen_in(p.units["commune"]),
        text="Đèn đường tổ 3 hỏng",
        commune=p.units["commune"],
        source=PetitionSource.PHONE,
        actor=p.commune_officer,
        **kwargs,
    )


def _answered(p: Personas) -> Petition:
    petition = _petition(p)
    return inbox.petition_answer(petition=petition, answer="Đã sửa.", actor=p.commune_officer)


def _conversation_note(p: Personas) -> Expect:
    inbox.conversation_note(conversation=_conversation(p), text="Gọi lại chiều nay", actor=p.commune_officer)
    return Expect("conversation.note", p.commune_officer, p.units["commune"])


def _conversation_assign(p: Personas) -> Expect:
    inbox.conversation_assign(
        conversation=_conversation(p), assignee=p.commune_officer, actor=p.commune_officer
    )
    return Expect("conversation.assign", p.commune_officer, p.units["commune"])


def _conversation_labels_set(p: Personas) -> Expect:
    label = inbox.label_create(unit=p.units["commune"], name="điện", actor=p.commune_officer)
    inbox.conversation_labels_set(conversation=_conversation(p), labels=[label], actor=p.commune_officer)
    return Expect("conversation.labels", p.commune_officer, p.units["commune"])


def _conversation_status_set(p: Personas) -> Expect:
    inbox.conversation_status_set(conversation=_conversation(p), status="closed", actor=p.commune_officer)
    return Expect("conversation.status", p.commune_officer, p.units["commune"])


def _conversation_sos_clear(p: Personas) -> Expect:
    conversation = write_in(citizen_in(p.units["commune"]), "Cứu với, lũ quét").conversation
    inbox.conversation_sos_clear(conversation=conversation, actor=p.commune_officer)
    return Expect("conversation.sos_clear", p.commune_officer, p.units["commune"])


def _conversation_commune_set(p: Personas) -> Expect:
    conversation = write_in(citizen_in(p.units["province"]), "Xin chào").conversation
    inbox.conversation_commune_set(
        conversation=conversation, place=p.units["commune"], actor=p.province_admin
    )
    return Expect("conversation.move", p.province_admin, p.units["commune"])


def _petition_create(p: Personas) -> Expect:
    _petition(p)
    return Expect("petition.create", p.commune_officer, p.units["commune"])


def _petition_from_entry(p: Personas) -> Expect:
    entry = write_in(citizen_in(p.units["commune"]), "Cống tắc", channel="zalo")
    inbox.petition_from_entry(entry=entry, actor=p.commune_officer)
    return Expect("petition.create", p.commune_officer, p.units["commune"])


def _petition_attachment_add(p: Personas) -> Expect:
    inbox.petition_attachment_add(
        petition=_petition(p), upload=CheckedFile("anh.png", "image/png", PNG), actor=p.commune_officer
    )
    return Expect("petition.attachment", p.commune_officer, p.units["commune"])


def _petition_assign(p: Personas) -> Expect:
    inbox.petition_assign(petition=_petition(p), assignee=p.commune_officer, actor=p.commune_officer)
    return Expect("petition.assign", p.commune_officer, p.units["commune"])


def _petition_transfer(p: Personas) -> Expect:
    inbox.petition_transfer(
        petition=_petition(p), to_unit=p.units["province"], reason="Vượt thẩm quyền", actor=p.commune_officer
    )
    return Expect("petition.transfer", p.commune_officer, p.units["province"])


def _petition_status_set(p: Personas) -> Expect:
    inbox.petition_status_set(
        petition=_petition(p), status=PetitionStatus.WAITING, text="Xin gửi ảnh", actor=p.commune_officer
    )
    return Expect("petition.status", p.commune_officer, p.units["commune"])


def _petition_answer(p: Personas) -> Expect:
    _answered(p)
    return Expect("petition.answer", p.commune_officer, p.units["commune"])


def _petition_close(p: Personas) -> Expect:
    inbox.petition_close(petition=_answered(p), actor=p.commune_officer)
    return Expect("petition.close", p.commune_officer, p.units["commune"])


def _petition_note(p: Personas) -> Expect:
    inbox.petition_note(petition=_petition(p), text="Đã gọi điện", actor=p.commune_officer)
    return Expect("petition.note", p.commune_officer, p.units["commune"])


def _petition_merge(p: Personas) -> Expect:
    main = _petition(p)
    inbox.petition_merge(petition=_petition(p), into=main, actor=p.commune_officer)
    return Expect("petition.merge", p.commune_officer, p.units["commune"])


def _petition_rate(p: Personas) -> Expect:
    inbox.petition_rate(petition=_answered(p), rating=5)
    return Expect("petition.rate", None, p.units["commune"], actor_label="citizen")


def _petition_reopen(p: Personas) -> Expect:
    inbox.petition_reopen(petition=_answered(p), reason="Lại hỏng")
    return Expect("petition.reopen", None, p.units["commune"], actor_label="citizen")


def _petitions_remind_due(p: Personas) -> Expect:
    petition = _petition(p)
    now = timezone.now()
    type(petition).objects.filter(pk=petition.pk).update(due_at=now + dt.timedelta(hours=1))
    inbox.petitions_remind_due(now=now)
    return Expect("petition.remind", None, p.units["commune"])


def _petitions_escalate_overdue(p: Personas) -> Expect:
    petition = _petition(p)
    type(petition).objects.filter(pk=petition.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    inbox.petitions_escalate_overdue()
    return Expect("petition.escalate", None, p.units["province"])


def _category_save(p: Personas) -> Expect:
    inbox.category_save(code="nuoc-sach", name="Nước sạch", actor=p.province_admin)
    return Expect("inbox.category", p.province_admin, None)


def _deadline_rule_set(p: Personas) -> Expect:
    inbox.deadline_rule_set(
        kind=PetitionKind.FEEDBACK, working_days=7, remind_days_before=2, actor=p.province_admin
    )
    return Expect("inbox.deadline", p.province_admin, None)


def _routing_rule_save(p: Personas) -> Expect:
    inbox.routing_rule_save(
        unit=p.units["commune"],
        category=Category.objects.first(),
        responsible_unit=p.units["province"],
        office="Sở",
        actor=p.province_admin,
    )
    return Expect("inbox.routing_rule", p.province_admin, p.units["commune"])


def _routing_rule_delete(p: Personas) -> Expect:
    rule = RoutingRule.objects.create(unit=p.units["commune"], responsible_unit=p.units["province"])
    inbox.routing_rule_delete(rule=rule, actor=p.province_admin)
    return Expect("inbox.routing_rule_delete", p.province_admin, p.units["commune"])


def _canned_answer_save(p: Personas) -> Expect:
    inbox.canned_answer_save(
        unit=p.units["commune"], title="Giờ làm việc", text="7h30-17h", actor=p.commune_officer
    )
    return Expect("inbox.canned_answer", p.commune_officer, p.units["commune"])


def _knowledge_entry_save(p: Personas) -> Expect:
    inbox.knowledge_entry_save(
        unit=p.units["province"],
        question="Giờ làm việc?",
        answer="7h30-17h",
        keywords="giờ",
        approved=True,
        actor=p.province_admin,
    )
    return Expect("inbox.knowledge", p.province_admin, p.units["province"])


def _label_create(p: Personas) -> Expect:
    inbox.label_create(unit=p.units["commune"], name="nước", actor=p.commune_officer)
    return Expect("inbox.label", p.commune_officer, p.units["commune"])


def _message_file_fetch(p: Personas) -> Expect:
    message = InboundMessage.objects.create(
        citizen=citizen_in(p.units["commune"]),
        channel="zalo",
        provider_message_id="audit-file",
        message_type="image",
        attachments=[{"type": "image", "url": "http://127.0.0.2/not-zalo.png"}],
        occurred_at=timezone.now(),
    )
    inbox.conversations_ingest()
    inbox.message_file_fetch(file=MessageAttachment.objects.get(entry__inbound=message))
    return Expect("conversation.file", None, p.units["commune"], actor_label="zalo-files")


CASES = {
    S + "conversation_note": _conversation_note,
    S + "conversation_assign": _conversation_assign,
    S + "conversation_labels_set": _conversation_labels_set,
    S + "conversation_status_set": _conversation_status_set,
    S + "conversation_sos_clear": _conversation_sos_clear,
    S + "conversation_commune_set": _conversation_commune_set,
    S + "petition_create": _petition_create,
    S + "petition_from_entry": _petition_from_entry,
    S + "petition_attachment_add": _petition_attachment_add,
    S + "petition_assign": _petition_assign,
    S + "petition_transfer": _petition_transfer,
    S + "petition_status_set": _petition_status_set,
    S + "petition_answer": _petition_answer,
    S + "petition_close": _petition_close,
    S + "petition_note": _petition_note,
    S + "petition_merge": _petition_merge,
    S + "petition_rate": _petition_rate,
    S + "petition_reopen": _petition_reopen,
    S + "petitions_remind_due": _petitions_remind_due,
    S + "petitions_escalate_overdue": _petitions_escalate_overdue,
    S + "category_save": _category_save,
    S + "deadline_rule_set": _deadline_rule_set,
    S + "routing_rule_save": _routing_rule_save,
    S + "routing_rule_delete": _routing_rule_delete,
    S + "canned_answer_save": _canned_answer_save,
    S + "knowledge_entry_save": _knowledge_entry_save,
    S + "label_create": _label_create,
    S + "message_file_fetch": _message_file_fetch,
}

EXEMPT = {
    S + "conversations_ingest": "files the citizen's own messages (stored by the channels) into threads",
    S + "sos_lookahead": "has the channels apply a stored SOS webhook early, as their own worker would",
    S + "submit_info_ingest": "the cases it opens are audited as petition.create (actor zalo)",
    S + "conversation_reply": "audited as conversation.reply; it sends, so it is asserted with the emulator",
    S + "conversation_mark_read": "read-state bookkeeping",
    S + "knowledge_match": "a read",
    S + "knowledge_answer": "audited as conversation.auto_answer; it sends, so asserted with the emulator",
    S + "route_for": "a read",
    S + "petition_notify": "sends a change already audited; the outcome is kept on the case event",
}
