"""Uploaded files (tệp đính kèm): judged by their bytes, not by the name the uploader gave, and stored
once under their hash outside any web root.

A file whose content does not match its extension is refused (a ``.pdf`` that is really a page of
HTML, a ``.docx`` that is not an Office document), and so is anything over the caller's size limit.
Each app says which kinds it takes, its limit and its folder under ``MEDIA_ROOT``; the app's view serves
the file to those in scope as a download with ``nosniff``.
"""

from __future__ import annotations

import errno
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from caunoi.core.errors import ApplicationError, ValidationFailed

MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


class StorageFull(ApplicationError):
    """The file store has no room: the upload is refused whole, and the caller's transaction rolls back."""

    status = 507


@dataclass(frozen=True)
class CheckedFile:
    name: str
    mime: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(content: bytes) -> str | None:
    """The extension the bytes really are, or None for anything not accepted anywhere."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
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
    return " ".join(base.split())[:200] or "file"


def check_upload(
    name: str, content: bytes, *, kinds: Collection[str], max_bytes: int, field: str, refused: str
) -> CheckedFile:
    """Accept a file of one of ``kinds`` (extensions) or raise ``ValidationFailed`` on ``field`` saying
    plainly what is wrong; ``refused`` names the kinds accepted, for the user."""
    name = clean_name(name)
    if not content:
        raise ValidationFailed(_("The file is empty."), field=field)
    if len(content) > max_bytes:
        raise ValidationFailed(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{len(content) / 1048576:.1f}", "limit": f"{max_bytes / 1048576:.0f}"},
            field=field,
        )
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in kinds:
        raise ValidationFailed(refused, field=field)
    real = sniff(content)
    if real is None or MIME_TYPES[real] != MIME_TYPES[ext]:
        raise ValidationFailed(
            _("The file is named .%(ext)s but its content is not a %(kind)s file.")
            % {"ext": ext, "kind": ext.upper()},
            field=field,
        )
    return CheckedFile(name=name, mime=MIME_TYPES[ext], content=content)


def storage_path(directory: str, stored_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / directory / stored_name


def store(checked: CheckedFile, *, directory: str) -> str:
    """Write the file once under its hash (the same file attached twice is kept once), atomically."""
    stored_name = checked.sha256
    path = storage_path(directory, stored_name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        try:
            tmp.write_bytes(checked.content)
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)  # a half-written file would only fill the disk further
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(
                    _("The file store is full, so the file was not kept. Please tell the administrator.")
                ) from exc
            raise
    return stored_name
