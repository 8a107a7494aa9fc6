"""Uploads that lie: polyglots and files whose name says one thing and bytes another, through every upload
form of the product.

The upload forms are found, not listed: every page is opened as a province administrator and a commune
officer, and every form with an ``<input type=file>`` is used (inbox case attachments, disclosure
documents, training files, practice evidence, web post images, whatever comes next). Each hostile file
is either refused — nothing stored — or, when its bytes really are what its name says (a PDF that also
holds HTML is still a PDF), stored under a clean name and served only as a download with ``nosniff`` and
a sandboxing Content-Security-Policy, so a browser never renders it as a page of ours.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.security.conftest import JPEG, World, html_routes, sample_url
from tests.security.hostile import Form, forms_of

pytestmark = pytest.mark.django_db


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


SCRIPT = b"<script>window.__xss=1</script>"
HOSTILE: dict[str, tuple[str, bytes]] = {
    "gif-js polyglot": ("anh-hien-truong.gif", b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;window.__xss=1;//"),
    "gif-js named jpg": (
        "anh-hien-truong.jpg",
        b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;window.__xss=1;//",
    ),
    "svg with script": ("so-do.svg", b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>"),
    "svg named png": ("so-do.png", b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>"),
    "html named pdf": ("bao-cao.pdf", b"<!doctype html><html>" + SCRIPT + b"</html>"),
    "jpeg named pdf": ("bao-cao.pdf", JPEG),
    "zip named docx": ("to-trinh.docx", _zip(**{"index.html": SCRIPT, "evil.js": b"window.__xss=1"})),
    "exe named jpg": ("anh.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    # Really a PDF (the magic bytes are right), with a page of HTML inside: may be kept, as a download.
    "pdf with html": ("bien-ban.pdf", b"%PDF-1.4\n<html><body>" + SCRIPT + b"</body></html>\n%%EOF\n"),
    # A real JPEG under a name that climbs out of the store: may be kept, under a clean name.
    "traversal name": ("../../../../etc/passwd.jpg", JPEG),
}
MAY_BE_KEPT = {"pdf with html", "traversal name"}
HIDDEN_UPLOADS = {"training:lesson_file_upload": ["file"]}


def _upload_models() -> dict[str, Any]:
    from caunoi.disclosure.models import Attachment
    from caunoi.inbox.models import PetitionAttachment
    from caunoi.practices.models import Evidence
    from caunoi.training.models import LessonFile

    return {
        "inbox": (PetitionAttachment, lambda o: f"/inbox/attachments/{o.pk}/", "name"),
        "disclosure": (Attachment, lambda o: f"/disclosure/files/{o.pk}/", "name"),
        "practices": (Evidence, lambda o: f"/practices/evidence/{o.pk}/", "original_name"),
        "training": (LessonFile, lambda o: f"/training/files/{o.pk}/", "name"),
    }


def _upload_forms(world: World) -> list[tuple[str, str, Form]]:
    """(action, persona, form) for every form with a file input on any page."""
    found: dict[str, tuple[str, Form]] = {}
    for persona in ("province_admin", "commune_officer"):
        client = world.client(persona)
        for route in html_routes():
            if route.key == "accounts:logout":
                continue
            url = sample_url(world, route)
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            for form in forms_of(response.content.decode(), f"http://testserver{url}"):
                if form.method == "post" and form.has_file:
                    found.setdefault(form.action.removeprefix("http://testserver"), (persona, form))
    # Upload forms the demo data does not show on a page (a published course hides its handout form).
    for route in html_routes():
        if route.key in HIDDEN_UPLOADS:
            action = sample_url(world, route)
            form = Form(action=action, method="post", enctype="multipart/form-data")
            form.fields = [("file", name, "") for name in HIDDEN_UPLOADS[route.key]]
            found.setdefault(action, ("province_admin", form))
    return [(action, persona, form) for action, (persona, form) in sorted(found.items(), key=lambda i: i[0])]


def test_every_upload_form_refuses_lying_files_or_serves_them_inert(world: World) -> None:
    models = _upload_models()
    forms = _upload_forms(world)
    apps = {action.split("/")[1] for action, _persona, _form in forms}
    assert {"inbox", "disclosure", "practices", "training"} <= apps, apps
    assert len(forms) >= 7

    wrong: list[str] = []
    kept = 0
    for action, persona, form in forms:
        client = world.client(persona)
        file_fields = [name for kind, name, _value in form.fields if kind == "file"]
        for label, (name, content) in HOSTILE.items():
            before = {app: model.objects.count() for app, (model, _url, _field) in models.items()}
            data: dict[str, Any] = dict(form.data("Tài liệu kiểm thử"))
            for field in file_fields:
                data[field] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
            response = client.post(action, data)
            if response.status_code >= 500:
                wrong.append(f"{action} {label}: {response.status_code}")
                continue
            for app, (model, download_url, name_field) in models.items():
                if model.objects.count() == before[app]:
                    continue
                kept += 1
                stored = model.objects.order_by("-pk").first()
                if label not in MAY_BE_KEPT:
                    wrong.append(
                        f"{action} {label}: kept as {model.__name__} {getattr(stored, name_field)!r}"
                    )
                    continue
                if "/" in getattr(stored, name_field) or "\\" in getattr(stored, name_field):
                    wrong.append(f"{action} {label}: stored name {getattr(stored, name_field)!r}")
                download = client.get(download_url(stored))
                headers = (
                    download.status_code,
                    download.get("X-Content-Type-Options"),
                    download.get("Content-Security-Policy"),
                    download.get("Content-Disposition", "").split(";")[0],
                )
                if headers != (200, "nosniff", "default-src 'none'; sandbox", "attachment"):
                    wrong.append(f"{action} {label}: served with {headers}")
    assert wrong == [], "\n".join(wrong)
    assert kept >= 4  # the genuine PDF and JPEG went through somewhere, so the refusals mean something
