"""Tệp đính kèm của phản ánh: photos and documents, checked and stored by ``caunoi.core.files`` under
``MEDIA_ROOT/inbox/``, served by a view that checks the viewer's scope, as a download with ``nosniff``
and a sandboxing CSP, so a file can never run as a page of ours."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from caunoi.core import files
from caunoi.core.files import CheckedFile

STORAGE_DIR = "inbox"
KINDS = ("jpg", "jpeg", "png", "webp", "pdf", "docx")


def check_upload(name: str, content: bytes) -> CheckedFile:
    return files.check_upload(
        name,
        content,
        kinds=KINDS,
        max_bytes=settings.CAUNOI_INBOX_MAX_FILE_BYTES,
        field="attachments",
        refused=_("Only photos (JPEG, PNG, WebP), PDF and DOCX files can be attached."),
    )


def storage_path(stored_name: str) -> Path:
    return files.storage_path(STORAGE_DIR, stored_name)


def store(checked: CheckedFile) -> str:
    return files.store(checked, directory=STORAGE_DIR)
