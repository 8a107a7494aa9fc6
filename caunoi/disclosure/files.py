"""Attachments to a publication (tài liệu công khai): budgets, plans and inspection conclusions are
published as PDF, spreadsheets, documents and scans. Checked and stored by ``caunoi.core.files`` under
``MEDIA_ROOT/disclosure/``, limited by ``CAUNOI_DISCLOSURE_MAX_FILE_BYTES``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from caunoi.core import files
from caunoi.core.files import CheckedFile

STORAGE_DIR = "disclosure"
KINDS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx")


def check_upload(name: str, content: bytes) -> CheckedFile:
    return files.check_upload(
        name,
        content,
        kinds=KINDS,
        max_bytes=settings.CAUNOI_DISCLOSURE_MAX_FILE_BYTES,
        field="file",
        refused=_("Only PDF, PNG, JPEG, DOCX and XLSX files can be attached."),
    )


def storage_path(stored_name: str) -> Path:
    return files.storage_path(STORAGE_DIR, stored_name)


def store(checked: CheckedFile) -> str:
    return files.store(checked, directory=STORAGE_DIR)
