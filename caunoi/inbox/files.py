"""Tệp đính kèm của phản ánh: photos and documents, judged by their bytes, not by the name given.

Accepted files go to ``MEDIA_ROOT/inbox/<sha256>`` (outside any web root, never under ``static``) and
are served by a view that checks the viewer's scope, as a download with ``nosniff`` and a sandboxing
CSP, so a file can never run as a page of ours.
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

STORAGE_DIR = "inbox"

KINDS: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    mime: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return KINDS["docx"]
    return None


def check_upload(name: str, content: bytes) -> CheckedFile:
    """Accept an attachment or raise ``ValidationFailed`` saying plainly what is wrong with it."""
    limit = settings.CAUNOI_INBOX_MAX_FILE_BYTES
    name = Path(name.replace("\\", "/")).name.strip()[:200] or "file"
    if not content:
        raise ValidationFailed(_("The file is empty."), field="attachments")
    if len(content) > limit:
        raise ValidationFailed(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{len(content) / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
            field="attachments",
        )
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in KINDS:
        raise ValidationFailed(
            _("Only photos (JPEG, PNG, WebP), PDF and DOCX files can be attached."), field="attachments"
        )
    real = _sniff(content)
    if real != KINDS[ext]:
        raise ValidationFailed(
            _("The file is named .%(ext)s but its content is not a %(kind)s file.")
            % {"ext": ext, "kind": ext.upper()},
            field="attachments",
        )
    return CheckedFile(name=name, mime=KINDS[ext], content=content)


def storage_path(stored_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / STORAGE_DIR / stored_name


def store(checked: CheckedFile) -> str:
    """Write the file once under its hash (the same photo sent twice is kept once)."""
    stored_name = checked.sha256
    path = storage_path(stored_name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(checked.content)
        tmp.replace(path)
    return stored_name
