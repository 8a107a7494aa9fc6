"""The inbox's part of a citizen's export and erasure (docs/privacy.md, docs/inbox.md): the export holds
the conversation and every case with its text, place, answer and files; erasure, on request or by
retention, deletes the conversation's lines and files, strips each case to what the province accounts
for in aggregate, and deletes a stored file only when no other row still uses it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from caunoi.citizens.models import Citizen
from caunoi.citizens.services import citizen_erase, citizen_export, retention_apply_all, retention_policy_set
from caunoi.core.files import CheckedFile
from caunoi.core.models import AuditEvent
from caunoi.inbox import accountability, files
from caunoi.inbox import privacy as inbox_privacy
from caunoi.inbox.models import (
    Conversation,
    ConversationStatus,
    Entry,
    FileStatus,
    MessageAttachment,
    NotifyStatus,
    Petition,
    PetitionAttachment,
    PetitionEvent,
    PetitionEventKind,
    PetitionSource,
    PetitionStatus,
)
from caunoi.inbox.services import (
    conversation_note,
    petition_answer,
    petition_attachment_add,
    petition_close,
    petition_create,
    petition_notify,
    petition_rate,
)
from tests.conftest import login_as
from tests.inbox.helpers import citizen_in, conversation_of, write_in

pytestmark = pytest.mark.django_db

PNG_SHARED = b"\x89PNG\r\n\x1a\n" + b"shared" * 8
PNG_OWN = b"\x89PNG\r\n\x1a\n" + b"own" * 8
PDF_MESSAGE = b"%PDF-1.4\n" + b"message" * 8


@pytest.fixture
def media_root(tmp_path: Path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _case(personas, citizen: Citizen, text: str, **kwargs) -> Petition:
    return petition_create(
        citizen=citizen,
        text=text,
        title=kwargs.pop("title", "Đèn đường hỏng"),
        commune=personas.units["commune"],
        source=PetitionSource.PHONE,
        actor=personas.commune_officer,
        **kwargs,
    )


def _citizen_with_everything(personas) -> tuple[Citizen, Petition]:
    """Chị Mai wrote in (with a PDF), got an internal note, and filed an answered, rated case with a
    photo, an address and coordinates."""
    citizen = citizen_in(personas.units["commune"], "Chị Đặng Thị Mai", email="mai@example.vn")
    entry = write_in(citizen, "Nhà tôi ở số 12 ngõ 3, đèn đường hỏng ba hôm rồi", channel="zalo")
    MessageAttachment.objects.create(
        entry=entry,
        position=0,
        kind="file",
        name="don-de-nghi.pdf",
        mime="application/pdf",
        size=len(PDF_MESSAGE),
        stored_name=files.store(CheckedFile("don-de-nghi.pdf", "application/pdf", PDF_MESSAGE)),
        status=FileStatus.STORED,
    )
    conversation_note(
        conversation=conversation_of(citizen), text="Chị Mai hay gọi buổi tối", actor=personas.commune_officer
    )
    petition = _case(
        personas,
        citizen,
        "Đèn đường trước nhà số 12 ngõ 3 hỏng",
        address="Số 12 ngõ 3, tổ 5",
        latitude=Decimal("21.823456"),
        longitude=Decimal("105.214567"),
        conversation=conversation_of(citizen),
    )
    for name, content in (("anh-den.png", PNG_SHARED), ("anh-rieng.png", PNG_OWN)):
        petition_attachment_add(
            petition=petition,
            upload=CheckedFile(name, "image/png", content),
            actor=personas.commune_officer,
        )
    petition = petition_answer(
        petition=petition, answer="Chào chị Mai, đã thay bóng đèn.", actor=personas.commune_officer
    )
    petition = petition_rate(petition=petition, rating=5, comment="Cảm ơn anh Tuấn ở xã")
    return citizen, petition


def _export(personas, citizen: Citizen) -> dict:
    citizen.refresh_from_db()
    return citizen_export(citizen=citizen, actor=personas.commune_officer)


def test_the_export_holds_the_conversation_and_every_case(personas, media_root):
    citizen, petition = _citizen_with_everything(personas)

    inbox = _export(personas, citizen)["inbox"]

    entries = inbox["conversation"]["entries"]
    assert [e["kind"] for e in entries] == ["inbound", "note"]
    assert entries[0]["text"].startswith("Nhà tôi ở số 12")
    assert entries[0]["files"][0]["name"] == "don-de-nghi.pdf"
    assert entries[1]["text"] == "Chị Mai hay gọi buổi tối"  # internal notes are about her too
    (case,) = inbox["petitions"]
    assert case["reference"] == petition.reference and case["status"] == "answered"
    assert case["text"] == "Đèn đường trước nhà số 12 ngõ 3 hỏng"
    assert (case["address"], case["latitude"], case["longitude"]) == (
        "Số 12 ngõ 3, tổ 5",
        "21.823456",
        "105.214567",
    )
    assert case["answer"] == "Chào chị Mai, đã thay bóng đèn."
    assert (case["rating"], case["rating_comment"]) == (5, "Cảm ơn anh Tuấn ở xã")
    assert [a["name"] for a in case["attachments"]] == ["anh-den.png", "anh-rieng.png"]
    assert "answered" in [h["kind"] for h in case["history"]]
    json.dumps(inbox)  # one JSON document


def test_erasure_strips_cases_to_the_aggregate_and_deletes_the_conversation_lines(
    personas, media_root, django_capture_on_commit_callbacks
):
    citizen, petition = _citizen_with_everything(personas)
    other = citizen_in(personas.units["commune"], "Anh Ma Văn Sáng")
    other_case = _case(personas, other, "Ống nước vỡ")
    petition_attachment_add(  # the same photo, stored once under its hash
        petition=other_case, upload=CheckedFile("anh.png", "image/png", PNG_SHARED), actor=None
    )
    stored = {a.name: files.storage_path(a.stored_name) for a in PetitionAttachment.objects.all()}
    message_file = files.storage_path(MessageAttachment.objects.get().stored_name)
    assert all(path.exists() for path in [*stored.values(), message_file])
    kept = Petition.objects.filter(pk=petition.pk).values(
        "reference", "kind", "status", "category", "commune", "village", "unit", "received_at", "due_at",
        "answered_at", "answered_on_time", "closed_at", "rating",
    ).get()  # fmt: skip
    province = personas.units["province"]
    table_before = accountability.commune_table(province=province, fresh=True)
    conversation = conversation_of(citizen)

    with django_capture_on_commit_callbacks(execute=True):
        citizen_erase(citizen=citizen, actor=personas.commune_officer, reason="Người dân yêu cầu xoá")

    after = Petition.objects.get(pk=petition.pk)
    assert Petition.objects.filter(pk=petition.pk).values(*kept).get() == kept
    assert after.citizen_id is None and after.conversation_id is None
    assert (after.title, after.text, after.text_folded, after.address) == ("", "", "", "")
    assert (after.latitude, after.longitude, after.media_url) == (None, None, "")
    assert (after.answer, after.rating_comment) == ("", "")
    assert not after.attachments.exists()
    assert not PetitionEvent.objects.filter(petition=after).exclude(text="").exists()
    assert PetitionEvent.objects.filter(petition=after, kind=PetitionEventKind.ANSWERED).exists()
    # The conversation row stays (its commune counts), with no line, file, preview or flag left.
    assert not Entry.objects.filter(conversation=conversation).exists()
    assert not MessageAttachment.objects.exists()
    conversation.refresh_from_db()
    assert (conversation.preview, conversation.status, conversation.is_sos) == (
        "",
        ConversationStatus.CLOSED,
        False,
    )
    # The file only Mai's case used is gone; the photo the other case shares, and that case, stay.
    assert not stored["anh-rieng.png"].exists() and not message_file.exists()
    assert stored["anh-den.png"].exists() and other_case.attachments.count() == 1
    assert Petition.objects.get(pk=other_case.pk).text == "Ống nước vỡ"
    # The public figures per commune are unchanged.
    assert accountability.commune_table(province=province, fresh=True).rows == table_before.rows
    erase = AuditEvent.objects.get(action="citizen.erase", object_id=str(citizen.pk))
    assert erase.summary["after"]["records"]["inbox"] == 2 + 1 + 1  # two lines, the conversation, one case
    assert _export(personas, citizen)["inbox"] == {
        "conversation": {**_export(personas, citizen)["inbox"]["conversation"], "entries": []},
        "petitions": [],
    }


def test_an_erased_case_and_conversation_in_the_pages(personas, media_root):
    citizen, petition = _citizen_with_everything(personas)
    still_open = _case(personas, citizen, "Cống số 12 ngõ 3 tắc", title="Cống tắc")
    _case(personas, citizen_in(personas.units["commune"]), "Cống ngõ 3 tắc", title="Cống")  # similar, open
    conversation = conversation_of(citizen)
    citizen_erase(citizen=citizen, actor=personas.commune_officer, reason="Người dân yêu cầu xoá")
    client = login_as(Client(), personas.commune_officer)

    # The province still handles an open case whose citizen was erased, and closes it.
    open_page = client.get(f"/inbox/petitions/{still_open.pk}/")
    assert open_page.status_code == 200 and "Cống tắc" not in open_page.content.decode()
    closed = petition_close(petition=Petition.objects.get(pk=still_open.pk), actor=personas.commune_officer)
    assert closed.status == PetitionStatus.CLOSED and closed.citizen_id is None

    page = client.get(f"/inbox/petitions/{petition.pk}/")
    assert page.status_code == 200
    assert petition.reference in page.content.decode() and "12 ngõ 3" not in page.content.decode()
    listing = client.get("/inbox/petitions/").content.decode()
    assert petition.reference in listing and "Đèn đường hỏng" not in listing
    public = Client().get(f"/track/{petition.reference}/")
    assert public.status_code == 200 and "thay bóng đèn" not in public.content.decode()
    # Erased residents disappear from lists: the conversation is neither listed nor opened.
    assert client.get(f"/inbox/c/{conversation.pk}/").status_code == 404
    assert f"/inbox/c/{conversation.pk}/" not in client.get("/inbox/").content.decode()


def test_a_pending_notice_of_an_erased_case_reaches_no_one(personas, media_root):
    citizen, petition = _citizen_with_everything(personas)
    event = PetitionEvent.objects.filter(petition=petition).latest("pk")
    PetitionEvent.objects.filter(pk=event.pk).update(notify=NotifyStatus.PENDING)
    citizen_erase(citizen=citizen, actor=None, reason="retention: no activity")
    event.refresh_from_db()

    notified = petition_notify(event=event)

    assert notified.notify == NotifyStatus.FAILED and notified.notify_channel == ""


def test_an_erasure_that_fails_keeps_every_file(personas, media_root, django_capture_on_commit_callbacks):
    citizen, petition = _citizen_with_everything(personas)
    paths = [files.storage_path(a.stored_name) for a in PetitionAttachment.objects.all()]

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        inbox_privacy._erase(citizen)
        raise RuntimeError("a later eraser failed")

    assert callbacks == [] and all(path.exists() for path in paths)
    assert Petition.objects.get(pk=petition.pk).text == "Đèn đường trước nhà số 12 ngõ 3 hỏng"
    assert Entry.objects.filter(conversation__citizen=citizen).count() == 2


def test_retention_erases_the_inbox_data_with_the_same_code(
    personas, media_root, django_capture_on_commit_callbacks
):
    now = timezone.now()
    silent, petition = _citizen_with_everything(personas)
    recent = citizen_in(personas.units["commune"], "Anh Hà Văn Lợi")
    recent_case = _case(personas, recent, "Đường vào thôn sạt lở", address="Km 3")
    retention_policy_set(data_kind="citizen_inactive", keep_days=365, actor=personas.province_admin)
    Citizen.objects.present().update(last_activity_at=now - dt.timedelta(days=10))
    Citizen.objects.filter(pk=silent.pk).update(last_activity_at=now - dt.timedelta(days=366))

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply_all(now=now) == {"citizen_inactive": 1}

    erased = Petition.objects.get(pk=petition.pk)
    assert (erased.citizen_id, erased.text, erased.address, erased.latitude) == (None, "", "", None)
    assert not Entry.objects.filter(conversation__citizen=silent).exists()
    assert not PetitionAttachment.objects.filter(petition=erased).exists()
    assert Petition.objects.get(pk=recent_case.pk).address == "Km 3"
    assert Conversation.objects.filter(citizen=silent).exists()  # kept for the counts, empty
