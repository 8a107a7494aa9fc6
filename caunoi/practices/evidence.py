"""Evidence files (minh chứng): what a file really is, where it is kept, and how big it may be.

The type comes from the file's first bytes, never from its name or the browser's Content-Type, so an
HTML page renamed ``anh.jpg`` is refused. Files live under ``CAUNOI_PRACTICES_EVIDENCE_DIR`` (default
``MEDIA_ROOT/practices``), which no URL serves; the scoped download view is the only way out.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from caunoi.core.errors import ValidationFailed


class Upload(Protocol):
    """What Django's ``UploadedFile`` offers and a test's ``SimpleUploadedFile`` too."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    kind: str  # EvidenceKind value
    also_named: tuple[str, ...] = ()  # other extensions people use for the same content


JPEG = FileType("image/jpeg", ".jpg", "photo", (".jpeg", ".jfif"))
PNG = FileType("image/png", ".png", "photo")
WEBP = FileType("image/webp", ".webp", "photo")
PDF = FileType("application/pdf", ".pdf", "document")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "document"
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "document")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", "document"
)
ODT = FileType("application/vnd.oasis.opendocument.text", ".odt", "document")
DOC = FileType("application/msword", ".doc", "document", (".xls", ".ppt"))  # old Office (OLE2)

_OOXML = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}


def max_bytes() -> int:
    return int(settings.CAUNOI_PRACTICES_EVIDENCE_MAX_BYTES)


def storage_dir() -> Path:
    configured = settings.CAUNOI_PRACTICES_EVIDENCE_DIR
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "practices"


def _zip_type(head: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(head) as archive:
            names = set(archive.namelist())
            for marker, file_type in _OOXML.items():
                if marker in names:
                    return file_type
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.content_type.encode():
                return ODT
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def sniff(path: Path) -> FileType | None:
    """The type the bytes say the file is, or None for anything we do not accept."""
    with path.open("rb") as fh:
        head = fh.read(16)
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            return DOC
        if head.startswith(b"PK\x03\x04"):
            fh.seek(0)
            return _zip_type(fh)
    return None


def _image_is_whole(path: Path) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Stored:
    stored_name: str
    original_name: str
    file_type: FileType
    size: int
    sha256: str


def _clean_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*;')
    return cleaned[:200] or "file"


def store(upload: Upload, *, folder: str) -> Stored:
    """Check and keep one uploaded file; raise ValidationFailed (field ``file``) with a clear reason."""
    limit = max_bytes()
    original = _clean_name(upload.name or "")
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(
            _("The file is %(size)s; evidence files may be at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field="file",
        )
    target_dir = storage_dir() / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:  # a client may lie about the size; count what arrives
                    raise ValidationFailed(
                        _("The file is larger than %(limit)s, the limit for evidence files.")
                        % {"limit": filesizeformat(limit)},
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(_("The file is empty."), field="file")
        file_type = sniff(tmp)
        if file_type is None:
            raise ValidationFailed(
                _(
                    "“%(name)s” is not a photo (JPEG, PNG, WebP) or a document (PDF, Word, Excel, "
                    "PowerPoint, OpenDocument): its content does not match any of them."
                )
                % {"name": original},
                field="file",
            )
        extension = Path(original).suffix.lower()
        if extension and extension not in (file_type.extension, *file_type.also_named):
            raise ValidationFailed(
                _(
                    "“%(name)s” is named %(ext)s but its content is %(real)s. "
                    "Rename it or choose the right file."
                )
                % {"name": original, "ext": extension, "real": file_type.extension},
                field="file",
            )
        if file_type.kind == "photo" and not _image_is_whole(tmp):
            raise ValidationFailed(_("The photo is damaged or incomplete."), field="file")
        stored_name = f"{folder}/{uuid.uuid4().hex}{file_type.extension}"
        os.replace(tmp, storage_dir() / stored_name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Stored(stored_name, original, file_type, size, digest.hexdigest())


def path_of(stored_name: str) -> Path:
    root = storage_dir().resolve()
    path = (root / stored_name).resolve()
    if root not in path.parents:
        raise ValueError("outside the evidence directory")
    return path


def discard(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)
