"""Conversations are built from the channels' messages: one thread per citizen, SOS at the top."""

from __future__ import annotations

import pytest

from caunoi.accounts.selectors import viewer_for_user
from caunoi.core.permissions import Capability
from caunoi.inbox.models import Conversation, EntryKind
from caunoi.inbox.selectors import ConversationFilters, conversation_list
from caunoi.inbox.services import conversations_ingest
from caunoi.inbox.sos import sos_cues
from tests.inbox.helpers import citizen_in, conversation_of, inbound, write_in

pytestmark = pytest.mark.django_db


def test_messages_of_one_citizen_make_one_thread_in_their_commune(personas):
    citizen = citizen_in(personas.units["commune"])
    write_in(citizen, "Đèn đường tổ 3 bị hỏng")
    write_in(citizen, "Đã một tuần rồi", channel="zalo")

    conversation = conversation_of(citizen)
    assert conversation.unit == personas.units["commune"]
    assert [e.text for e in conversation.entries.order_by("id")] == [
        "Đèn đường tổ 3 bị hỏng",
        "Đã một tuần rồi",
    ]
    assert conversation.preview == "Đã một tuần rồi"
    assert conversation.last_channel == "zalo"
    assert conversation.unread


def test_ingest_is_idempotent(personas):
    citizen = citizen_in(personas.units["commune"])
    inbound(citizen, "Xin chào")
    assert conversations_ingest()
    assert conversations_ingest() == []
    assert conversation_of(citizen).entries.filter(kind=EntryKind.INBOUND).count() == 1


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Cứu với, nước lũ lên tới mái nhà", "cứu với"),
        ("cuu voi nuoc lu len toi mai nha", "cứu với"),
        ("Sạt lở đất ở thôn Châng, có người bị vùi", "sạt lở"),
        ("SAT LO DAT THON CHANG", "sạt lở"),
        ("Có 3 người mắc kẹt trên núi", "mắc kẹt"),
    ],
)
def test_sos_cues_with_and_without_diacritics(text, cue):
    assert cue in sos_cues(text)


def test_ordinary_words_are_not_sos():
    assert sos_cues("Lương hưu tháng này chưa nhận được") == []
    assert sos_cues("Xin hỏi lịch tiêm chủng") == []


def test_an_sos_message_goes_to_the_top_of_its_inbox(personas):
    older = [citizen_in(personas.units["commune"], f"Người {i}") for i in range(3)]
    for c in older:
        write_in(c, "Hỏi về thủ tục cấp sổ đỏ")
    sos = citizen_in(personas.units["commune"], "Chị Sầm Thị Lụa")
    write_in(sos, "cuu voi, nha bi lu cuon troi")
    for c in older:
        write_in(c, "Còn một câu hỏi nữa")

    viewer = viewer_for_user(personas.commune_officer)
    first = conversation_list(viewer=viewer, filters=ConversationFilters()).first()
    assert first is not None and first.citizen == sos
    assert first.is_sos and "cứu với" in first.sos_cues


def test_search_ignores_diacritics(personas):
    citizen = citizen_in(personas.units["commune"])
    write_in(citizen, "Đường vào thôn bị ngập lụt nặng")
    other = citizen_in(personas.units["commune"], "Bà Lan")
    write_in(other, "Hỏi lịch họp")
    viewer = viewer_for_user(personas.commune_officer)

    found = list(conversation_list(viewer=viewer, filters=ConversationFilters(search="ngap lut")))
    assert [c.citizen for c in found] == [citizen]


def test_a_commune_sees_only_its_own_conversations(personas):
    mine = citizen_in(personas.units["commune"])
    theirs = citizen_in(personas.units["sibling"])
    write_in(mine, "a b")
    write_in(theirs, "c d")
    for user, expected in [
        (personas.commune_officer, {mine}),
        (personas.sibling_officer, {theirs}),
        (personas.province_admin, {mine, theirs}),
        (personas.other_province_officer, set()),
    ]:
        viewer = viewer_for_user(user)
        assert {
            c.citizen for c in conversation_list(viewer=viewer, filters=ConversationFilters())
        } == expected
    assert viewer_for_user(personas.auditor).can(Capability.VIEW_INBOX)
    assert Conversation.objects.count() == 2
