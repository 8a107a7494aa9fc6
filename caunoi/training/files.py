"""Lesson files (tài liệu): what we accept, judged by the bytes, not by the name the uploader gave.

A file whose content does not match its extension is refused (a ``.pdf`` that is really an executable,
a ``.docx`` that is not an Office document), and so is anything over the size limit. Accepted files go
to ``MEDIA_ROOT/training/<sha256>`` — outside any web root — and are served by a view that checks the
reader may see the lesson.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from caunoi.core.errors import ValidationFailed

STORAGE_DIR = "training"

# extension → (MIME type, a label for the error message)
KINDS: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    mime: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _sniff(content: bytes) -> str | None:
    """The extension the bytes really are, or None for anything we do not accept."""
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


def check_upload(name: str, content: bytes, *, max_bytes: int | None = None) -> CheckedFile:
    """Accept a lesson file or raise ``ValidationFailed`` saying plainly what is wrong with it."""
    limit = max_bytes if max_bytes is not None else settings.CAUNOI_TRAINING_MAX_FILE_BYTES
    name = Path(name.replace("\\", "/")).name.strip()[:200]
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
        raise ValidationFailed(
            _("Only PDF, PNG, JPEG, DOCX, XLSX and PPTX files can be attached."), field="file"
        )
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
    """Write the file once under its hash (the same handout uploaded twice is kept once)."""
    stored_name = checked.sha256
    path = storage_path(stored_name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(checked.content)
        tmp.replace(path)
    return stored_name
