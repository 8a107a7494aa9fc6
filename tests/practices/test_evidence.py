"""Evidence files: the type is read from the bytes, the size is capped, and files leave only through
a scoped download with safe headers."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.practices import services
from caunoi.practices.models import Evidence
from tests.conftest import login_as
from tests.practices.conftest import PDF_BYTES, jpeg_bytes, make_practice, pdf, photo

pytestmark = pytest.mark.django_db


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def practice(personas):
    return make_practice(personas.commune_officer, personas.units["commune"])


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("anh.jpg", jpeg_bytes(), "photo", "image/jpeg"),
        ("bao-cao.pdf", PDF_BYTES, "document", "application/pdf"),
        (
            "bien-ban.docx",
            docx_bytes(),
            "document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("khong-duoi", PDF_BYTES, "document", "application/pdf"),
    ],
)
def test_accepted_files_are_typed_by_their_content(
    personas, practice, evidence_dir, name, content, kind, content_type
):
    item = services.evidence_add(
        practice=practice,
        upload=SimpleUploadedFile(name, content, "application/octet-stream"),
        actor=personas.commune_officer,
    )

    assert (item.kind, item.content_type, item.size) == (kind, content_type, len(content))
    stored = evidence_dir / item.stored_name
    assert stored.read_bytes() == content
    assert stored.suffix in (".jpg", ".pdf", ".docx")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anh.jpg", b"<html><script>alert(1)</script></html>", "is not a photo"),
        ("anh.jpg", b"MZ\x90\x00" + b"\x00" * 200, "is not a photo"),
        ("bao-cao.pdf", jpeg_bytes(), "is named .pdf but its content is .jpg"),
        ("anh.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "damaged"),
        ("rong.pdf", b"", "empty"),
        ("tai-lieu.docx", b"PK\x03\x04not really a zip", "is not a photo"),
    ],
)
def test_wrong_or_lying_files_are_refused_with_a_clear_message(
    personas, practice, evidence_dir, name, content, message
):
    with pytest.raises(ValidationFailed) as error:
        services.evidence_add(
            practice=practice,
            upload=SimpleUploadedFile(name, content, "image/jpeg"),
            actor=personas.commune_officer,
        )

    assert error.value.field == "file"
    assert message in error.value.message
    assert not Evidence.objects.exists()
    assert not [p for p in evidence_dir.rglob("*") if p.is_file()], "nothing is left on disk"


def test_an_oversized_file_is_refused_even_when_it_lies_about_its_size(personas, practice, evidence_dir):
    big = SimpleUploadedFile("anh.jpg", jpeg_bytes() + b"\x00" * 300_000, "image/jpeg")
    with pytest.raises(ValidationFailed) as declared:
        services.evidence_add(practice=practice, upload=big, actor=personas.commune_officer)
    big.size = 10  # a client that claims a small file
    with pytest.raises(ValidationFailed) as counted:
        services.evidence_add(practice=practice, upload=big, actor=personas.commune_officer)

    assert "at most 195.3" in declared.value.message.replace("\xa0", " ")
    assert "larger than 195.3" in counted.value.message.replace("\xa0", " ")
    assert not [p for p in evidence_dir.rglob("*") if p.is_file()]


def test_the_upload_form_shows_the_reason_and_keeps_the_page(client, personas, practice):
    login_as(client, personas.commune_officer)

    response = client.post(
        f"/practices/{practice.pk}/evidence/",
        {"file": SimpleUploadedFile("anh.jpg", b"<?php echo 1; ?>", "image/jpeg"), "caption": "Ảnh"},
    )

    assert response.status_code == 422
    assert "is not a photo" in response.content.decode() or "không phải ảnh" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_download_is_scoped_and_sent_as_an_attachment_that_is_never_sniffed(client, personas, practice):
    item = services.evidence_add(practice=practice, upload=pdf("Báo cáo.pdf"), actor=personas.commune_officer)

    response = login_as(client, personas.commune_officer).get(f"/practices/evidence/{item.pk}/")
    sibling = login_as(type(client)(), personas.sibling_officer).get(f"/practices/evidence/{item.pk}/")

    assert response.status_code == 200
    assert response.getvalue() == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert sibling.status_code == 404, "a sibling commune cannot fetch a draft's evidence"


def test_evidence_is_frozen_once_submitted(personas, practice, evidence_dir):
    item = services.evidence_add(practice=practice, upload=photo(), actor=personas.commune_officer)
    services.practice_submit(practice=practice, actor=personas.commune_officer)

    with pytest.raises(InvalidState):
        services.evidence_add(practice=practice, upload=photo(), actor=personas.commune_officer)
    with pytest.raises(InvalidState):
        services.evidence_remove(evidence=item, actor=personas.commune_officer)


def test_removing_evidence_deletes_the_file_after_commit(
    personas, practice, evidence_dir, django_capture_on_commit_callbacks
):
    item = services.evidence_add(practice=practice, upload=photo(), actor=personas.commune_officer)
    path = evidence_dir / item.stored_name

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=item, actor=personas.commune_officer)

    assert not path.exists()
    assert not Evidence.objects.exists()
