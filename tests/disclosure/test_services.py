"""The disclosure services: what is published and when, its documents, residents' comments, moderation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caunoi.core.errors import InvalidState, RateLimited, ValidationFailed
from caunoi.core.files import MIME_TYPES
from caunoi.core.models import AuditEvent, RateLimitBucket
from caunoi.disclosure import files, selectors, services
from caunoi.disclosure.models import LEGAL_BASIS, Attachment, Comment, CommentStatus, Publication
from tests.disclosure.support import PDF, PNG, publish, xlsx

pytestmark = pytest.mark.django_db


def test_a_publication_gets_the_legal_basis_of_its_category_and_is_on_the_board(personas):
    item = publish(personas.units["commune"], personas.commune_officer, title="  Dự toán   2026 ")
    assert item.title == "Dự toán 2026"
    assert item.legal_basis == LEGAL_BASIS["budget"]
    assert "10/2022/QH15" in item.legal_basis
    assert list(selectors.public_board(unit=personas.units["commune"])) == [item]
    assert item.created_by == personas.commune_officer


def test_an_officer_may_name_a_more_precise_legal_basis(personas):
    item = publish(
        personas.units["commune"],
        personas.commune_officer,
        legal_basis="Luật 10/2022/QH15, Điều 11 khoản 2; Nghị định 59/2023/NĐ-CP",
    )
    assert item.legal_basis.endswith("59/2023/NĐ-CP")


def test_the_board_shows_an_item_only_between_its_publication_and_end_dates(personas):
    now = timezone.now()
    commune = personas.units["commune"]
    later = publish(
        commune, personas.commune_officer, title="Sắp công khai", published_at=now + dt.timedelta(days=1)
    )
    ended = publish(
        commune,
        personas.commune_officer,
        title="Đã hết hạn",
        published_at=now - dt.timedelta(days=40),
        ends_at=now - dt.timedelta(days=10),
    )
    current = publish(
        commune, personas.commune_officer, title="Đang công khai", ends_at=now + dt.timedelta(days=30)
    )
    assert list(selectors.public_board(unit=commune)) == [current]
    assert not later.is_visible() and not ended.is_visible() and current.is_visible()
    assert later.is_visible(now + dt.timedelta(days=2))
    # The staff list shows all three.
    from caunoi.accounts.selectors import viewer_for_user

    staff = selectors.publication_list(viewer=viewer_for_user(personas.commune_officer))
    assert {p.pk for p in staff} == {later.pk, ended.pk, current.pk}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "\n \n"}, "body"),
        ({"category": "gossip"}, "category"),
        ({"legal_basis": "x" * 301}, "legal_basis"),
        ({"ends_at": timezone.now() - dt.timedelta(days=1)}, "ends_at"),
    ],
)
def test_bad_publications_are_refused_and_nothing_is_written(personas, changes, field):
    with pytest.raises(ValidationFailed) as error:
        publish(personas.units["commune"], personas.commune_officer, **changes)
    assert error.value.field == field
    assert not Publication.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="disclosure.").exists()


def test_villages_have_no_board(personas):
    from caunoi.geo.services import village_create

    village = village_create(
        commune=personas.units["commune"], name="Thôn Nà Khà", actor=personas.commune_officer
    )
    with pytest.raises(ValidationFailed) as error:
        publish(village, personas.commune_officer)
    assert error.value.field == "unit"


def test_an_update_records_which_fields_changed_and_a_withdrawn_item_is_frozen(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    services.publication_update(
        publication=item,
        category="projects",
        title=item.title,
        body=item.body,
        published_at=item.published_at,
        comments_open=False,
        actor=personas.commune_officer,
    )
    event = AuditEvent.objects.get(action="disclosure.update")
    assert event.summary["after"]["changed"] == ["category", "comments_open", "legal_basis"]
    item.refresh_from_db()
    assert item.legal_basis == LEGAL_BASIS["projects"]

    with pytest.raises(ValidationFailed):
        services.publication_withdraw(publication=item, actor=personas.commune_officer, reason=" ")
    services.publication_withdraw(publication=item, actor=personas.commune_officer, reason="Sai số liệu")
    assert list(selectors.public_board(unit=personas.units["commune"])) == []
    with pytest.raises(InvalidState):
        services.publication_withdraw(publication=item, actor=personas.commune_officer, reason="Lần hai")
    with pytest.raises(InvalidState):
        services.attachment_add(publication=item, name="a.pdf", content=PDF, actor=personas.commune_officer)


# Documents ----------------------------------------------------------------------------------------


def test_documents_are_checked_by_their_bytes_and_stored_outside_the_web_root(personas, media):
    item = publish(personas.units["commune"], personas.commune_officer)
    pdf = services.attachment_add(
        publication=item, name="C:\\Users\\xa\\Dự toán 2026.pdf", content=PDF, actor=personas.commune_officer
    )
    sheet = services.attachment_add(
        publication=item, name="bang-chi.xlsx", content=xlsx(), actor=personas.commune_officer
    )
    assert pdf.name == "Dự toán 2026.pdf"
    assert (pdf.mime, sheet.mime) == ("application/pdf", MIME_TYPES["xlsx"])
    stored = media / "disclosure" / pdf.stored_name
    assert stored.read_bytes() == PDF
    assert files.storage_path(pdf.stored_name) == stored


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", b"MZ\x90\x00 an executable", "content is not a PDF"),
        ("anh.png", PDF, "content is not a PNG"),
        ("trang.html", b"<script>alert(1)</script>", "Only PDF"),
        ("khong-ten", PDF, "Only PDF"),
        ("rong.pdf", b"", "empty"),
        ("gia.xlsx", b"PK\x03\x04 not a zip", "content is not a XLSX"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(personas, media, name, content, message):
    item = publish(personas.units["commune"], personas.commune_officer)
    with pytest.raises(ValidationFailed) as error:
        services.attachment_add(publication=item, name=name, content=content, actor=personas.commune_officer)
    assert message in error.value.message
    assert error.value.field == "file"
    assert not Attachment.objects.exists()
    assert not (media / "disclosure").exists()


def test_files_over_the_size_limit_are_refused(personas, settings):
    settings.CAUNOI_DISCLOSURE_MAX_FILE_BYTES = 1024
    item = publish(personas.units["commune"], personas.commune_officer)
    with pytest.raises(ValidationFailed, match="limit"):
        services.attachment_add(
            publication=item, name="lon.png", content=PNG + b"\x00" * 2000, actor=personas.commune_officer
        )


def test_a_bad_first_document_publishes_nothing(personas):
    with pytest.raises(ValidationFailed):
        publish(personas.units["commune"], personas.commune_officer, documents=[("a.pdf", b"not a pdf")])
    assert not Publication.objects.exists()
    item = publish(personas.units["commune"], personas.commune_officer, documents=[("a.pdf", PDF)])
    assert [a.name for a in item.attachments.all()] == ["a.pdf"]


def test_removing_a_document_deletes_its_file_once_nobody_uses_it(
    personas, media, django_capture_on_commit_callbacks
):
    first = publish(personas.units["commune"], personas.commune_officer)
    second = publish(personas.units["commune"], personas.commune_officer, title="Quyết toán")
    a = services.attachment_add(publication=first, name="a.pdf", content=PDF, actor=personas.commune_officer)
    b = services.attachment_add(publication=second, name="b.pdf", content=PDF, actor=personas.commune_officer)
    path = files.storage_path(a.stored_name)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=a, actor=personas.commune_officer)
    assert path.exists()  # the same bytes are still attached to the other publication
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=b, actor=personas.commune_officer)
    assert not path.exists()


# Comments -----------------------------------------------------------------------------------------


def test_a_comment_waits_for_moderation_and_keeps_only_the_name_shown(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    comment = services.comment_submit(
        publication=item,
        display_name=" Bác  Tư ",
        text="Đề nghị công khai\r\nchi tiết.  ",
        client_address="203.0.113.9",
    )
    assert (comment.display_name, comment.text, comment.status) == (
        "Bác Tư",
        "Đề nghị công khai\nchi tiết.",
        CommentStatus.PENDING,
    )
    assert list(selectors.public_comments(publication=item)) == []
    event = AuditEvent.objects.get(action="disclosure.comment")
    assert "203.0.113.9" not in str(event.summary) and event.summary["after"]["length"] == len(comment.text)
    assert not RateLimitBucket.objects.filter(key__contains="203.0.113.9").exists()

    services.comment_moderate(comment=comment, approve=True, actor=personas.commune_officer)
    assert list(selectors.public_comments(publication=item)) == [comment]
    comment.refresh_from_db()
    assert comment.moderated_by == personas.commune_officer
    services.comment_moderate(comment=comment, approve=False, actor=personas.commune_officer)
    assert list(selectors.public_comments(publication=item)) == []


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("", "Ý kiến", "display_name"),
        ("x" * 61, "Ý kiến", "display_name"),
        ("Tư", "  ", "text"),
        ("Tư", "x" * 2001, "text"),
    ],
)
def test_bad_comments_are_refused(personas, name, text, field):
    item = publish(personas.units["commune"], personas.commune_officer)
    with pytest.raises(ValidationFailed) as error:
        services.comment_submit(publication=item, display_name=name, text=text, client_address="203.0.113.9")
    assert error.value.field == field
    assert not Comment.objects.exists()


def test_comments_only_on_items_that_are_on_the_board_and_open(personas):
    commune = personas.units["commune"]
    closed = publish(commune, personas.commune_officer, comments_open=False)
    later = publish(commune, personas.commune_officer, published_at=timezone.now() + dt.timedelta(hours=1))
    for item in (closed, later):
        with pytest.raises(InvalidState):
            services.comment_submit(
                publication=item, display_name="Tư", text="Ý kiến", client_address="203.0.113.9"
            )


def test_comments_are_rate_limited_per_connection_and_per_publication(personas, settings):
    item = publish(personas.units["commune"], personas.commune_officer)
    for n in range(5):
        services.comment_submit(
            publication=item, display_name="Tư", text=f"Ý kiến {n}", client_address="203.0.113.9"
        )
    with pytest.raises(RateLimited, match="your connection"):
        services.comment_submit(
            publication=item, display_name="Tư", text="Thêm", client_address="203.0.113.9"
        )
    # Another connection is still welcome…
    services.comment_submit(
        publication=item, display_name="Hoa", text="Ý kiến", client_address="198.51.100.7"
    )
    # …until the publication itself has had too many in the hour.
    RateLimitBucket.objects.filter(policy="disclosure_comment.publication").update(tokens=0)
    with pytest.raises(RateLimited, match="this publication"):
        services.comment_submit(
            publication=item, display_name="Lan", text="Ý kiến", client_address="192.0.2.1"
        )
    assert Comment.objects.count() == 6
