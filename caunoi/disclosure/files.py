"""Attachments to a publication (tài liệu công khai): judged by their bytes, stored by their hash.

Budgets, plans and inspection conclusions are published as PDF, spreadsheets, documents and scans.
A file whose content does not match its extension is refused, and so is anything over the size
limit (``CAUNOI_DISCLOSURE_MAX_FILE_BYTES``). Files go to ``MEDIA_ROOT/disclosure/<sha256>`` — never
under a web root — and are served by a view that sends them as downloads with ``nosniff``.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from caunoi.core.errors import ValidationFailed

STORAGE_DIR = "disclosure"

KINDS: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
INLINE_KINDS = frozenset({"application/pdf", "image/png", "image/jpeg"})  # safe for a browser to show


@dataclass(frozen=True)
class CheckedFile:
    name: str
    mime: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def max_bytes() -> int:
    return int(settings.CAUNOI_DISCLOSURE_MAX_FILE_BYTES)


def _sniff(content: bytes) -> str | None:
    """The kind the bytes really are, or None for anything not accepted."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        for ext, part in _OOXML_PART.items():
            if part in names and "[Content_Types].xml" in names:
                return ext
    return None


def clean_name(name: str) -> str:
    """The uploader's file name without folders or control characters, NFC, at most 200 characters."""
    base = Path(name.replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return " ".join(base.split())[:200]


def check_upload(name: str, content: bytes) -> CheckedFile:
    """Accept a file or raise ``ValidationFailed`` saying plainly what is wrong with it."""
    name = clean_name(name)
    limit = max_bytes()
    if not content:
        raise ValidationFailed(_("The file is empty."), field="file")
    if len(content) > limit:
        raise ValidationFailed(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{len(content) / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
            field="file",
        )
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in KINDS:
        raise ValidationFailed(_("Only PDF, PNG, JPEG, DOCX and XLSX files can be attached."), field="file")
    real = _sniff(content)
    if real is None or KINDS[real] != KINDS[ext]:
        raise ValidationFailed(
            _("The file is named .%(ext)s but its content is not a %(kind)s file.")
            % {"ext": ext, "kind": ext.upper()},
            field="file",
        )
    return CheckedFile(name=name, mime=KINDS[ext], content=content)


def storage_path(stored_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / STORAGE_DIR / stored_name


def store(checked: CheckedFile) -> str:
    """Write the file once under its hash (the same budget table attached twice is kept once)."""
    stored_name = checked.sha256
    path = storage_path(stored_name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(checked.content)
        tmp.replace(path)
    return stored_name
