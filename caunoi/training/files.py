"""Lesson files (tài liệu): handouts checked and stored by ``caunoi.core.files`` under
``MEDIA_ROOT/training/``, served by a view that checks the reader may see the lesson."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from caunoi.core import files
from caunoi.core.files import CheckedFile

STORAGE_DIR = "training"
KINDS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "pptx")


def check_upload(name: str, content: bytes, *, max_bytes: int | None = None) -> CheckedFile:
    return files.check_upload(
        name,
        content,
        kinds=KINDS,
        max_bytes=settings.CAUNOI_TRAINING_MAX_FILE_BYTES if max_bytes is None else max_bytes,
        field="file",
        refused=_("Only PDF, PNG, JPEG, DOCX, XLSX and PPTX files can be attached."),
    )


def storage_path(stored_name: str) -> Path:
    return files.storage_path(STORAGE_DIR, stored_name)


def store(checked: CheckedFile) -> str:
    return files.store(checked, directory=STORAGE_DIR)
