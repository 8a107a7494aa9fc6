"""Lesson files: judged by their bytes, stored outside the web root, served only to who may see them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from caunoi.core.errors import ValidationFailed
from caunoi.core.files import MIME_TYPES
from caunoi.training import files, services
from caunoi.training.models import LessonFile
from caunoi.training.text import render_lesson_text
from tests.conftest import login_as
from tests.training.helpers import PDF, assign

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def _ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("Hướng dẫn.pdf", PDF, "application/pdf"),
        ("anh.PNG", PNG, "image/png"),
        ("ke-hoach.docx", _ooxml("word/document.xml"), MIME_TYPES["docx"]),
        ("bang.xlsx", _ooxml("xl/workbook.xml"), MIME_TYPES["xlsx"]),
    ],
)
def test_real_files_are_accepted_with_the_type_their_bytes_show(name, content, mime):
    checked = files.check_upload(name, content)
    assert checked.mime == mime
    assert checked.name == name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tai-lieu.pdf", ELF, "is named .pdf but its content is not a PDF file"),
        ("anh.png", PDF, "is named .png but its content is not a PNG file"),
        ("van-ban.docx", _ooxml("xl/workbook.xml"), "is named .docx but its content is not a DOCX file"),
        ("van-ban.docx", b"PK\x03\x04 not a zip", "is named .docx"),
        ("chay.exe", ELF, "Only PDF, PNG, JPEG, DOCX, XLSX and PPTX"),
        ("khong-duoi", PDF, "Only PDF"),
        ("trang.html", b"<script>alert(1)</script>", "Only PDF"),
        ("rong.pdf", b"", "empty"),
    ],
)
def test_files_whose_content_does_not_match_are_refused_with_a_clear_message(name, content, message):
    with pytest.raises(ValidationFailed) as exc:
        files.check_upload(name, content)
    assert message in exc.value.message
    assert exc.value.field == "file"


def test_an_oversized_file_is_refused_saying_the_limit():
    with pytest.raises(ValidationFailed) as exc:
        files.check_upload("lon.pdf", PDF + b"0" * (2 * 1048576), max_bytes=1048576)
    assert exc.value.message == "The file is 2.0 MB; the limit is 1 MB."


def test_a_path_in_the_name_is_dropped():
    assert files.check_upload("../../etc/passwd.pdf", PDF).name == "passwd.pdf"
    assert files.check_upload("C:\\Users\\a\\b.pdf", PDF).name == "b.pdf"


def test_lesson_text_is_escaped_and_only_the_small_subset_becomes_markup():
    html = render_lesson_text(
        "## Mục tiêu\n\nĐoạn **quan trọng** <script>alert(1)</script>\ndòng hai\n\n"
        "- một\n- hai\n\n1. bước\n2. bước"
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<h3>Mục tiêu</h3>" in html
    assert "<strong>quan trọng</strong>" in html
    assert "<br>dòng hai" in html
    assert "<ul><li>một</li><li>hai</li></ul>" in html
    assert "<ol><li>bước</li><li>bước</li></ol>" in html


@pytest.fixture
def handout(personas):
    from tests.training.helpers import build_course

    p = personas
    course = build_course(unit=p.units["province"], actor=p.editor, publish=False)
    lesson = course.lessons.get(position=1)
    attached = services.lesson_file_attach(lesson=lesson, name="Sổ tay.pdf", content=PDF, actor=p.editor)
    services.course_publish(course=course, actor=p.editor)
    assign(course, p.units["commune"], p.editor)
    return attached


def test_a_file_is_stored_under_its_hash_outside_the_static_and_template_folders(handout, settings):
    path = files.storage_path(handout.stored_name)
    assert path.read_bytes() == PDF
    assert Path(settings.MEDIA_ROOT) in path.parents
    assert handout.stored_name == files.CheckedFile("x", "", PDF).sha256


def test_the_enrolled_learner_downloads_it_with_safe_headers(client, personas, handout):
    response = login_as(client, personas.commune_officer).get(reverse("training:file", args=[handout.pk]))
    assert response.status_code == 200
    assert response.getvalue() == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["sibling_officer", "other_province_officer", "reporter"])
def test_staff_not_enrolled_and_not_managing_get_a_404(client, personas, handout, persona):
    response = login_as(client, getattr(personas, persona)).get(reverse("training:file", args=[handout.pk]))
    assert response.status_code == 404


def test_uploading_a_lying_file_through_the_page_shows_the_error_and_stores_nothing(
    client, personas, settings
):
    p = personas
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    course = services.course_create(unit=p.units["province"], title="Khoá nháp", actor=p.editor)
    response = login_as(client, p.editor).post(
        reverse("training:lesson_create", args=[course.pk]),
        {"title": "Bài 1", "body": "", "file": SimpleUploadedFile("so-tay.pdf", ELF, "application/pdf")},
    )
    assert response.status_code == 422
    assert "is named .pdf but its content is not a PDF file" in response.content.decode()
    assert not course.lessons.exists()
    assert not LessonFile.objects.exists()
