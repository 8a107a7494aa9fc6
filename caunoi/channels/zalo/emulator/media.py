"""Stand-in media behind the URLs in emulated events (avatars, photos, files), so pages can show them
and the platform can fetch what citizens sent.

The photo and file a follower sends (``/_media/image/<msg_id>.jpg``, ``/_media/file/<msg_id>/<name>``)
live like Zalo's links: about 7 days (``media_ttl_s``), then 404; ``POST /_admin/faults``
``{"expire_media": true}`` ages every link sent so far at once, ``{"media_unavailable": true}`` makes
the file host answer 503 until switched off. A ``.pdf`` is a real (tiny) PDF and a ``.docx`` a real
Word document, so a type check by content passes; a ``.doc`` stays an opaque file a platform that takes
only modern formats refuses. Other paths (avatars, thumbnails, stickers) always answer.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from caunoi.channels.zalo.emulator.wire import Reply

_DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".csv")
# The msg_id of a photo or file a follower sent, from its path.
_SENT_MEDIA = re.compile(r"^/_media/(?:image/(?P<image>[0-9a-f]+)\.jpg|file/(?P<file>[0-9a-f]+)/[^/]+)$")


def tiny_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (0, 104, 255)) -> bytes:
    """A valid PNG of one colour (Zalo blue by default)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(text: str = "Emulated document") -> bytes:
    """A one-page PDF that PDF readers open."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def tiny_docx(text: str = "Emulated document") -> bytes:
    """A minimal Word document (the parts Word needs to open it)."""
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="{main}"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{word}"><w:body><w:p><w:r>'
            f"<w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


_PNG = tiny_png()
_PDF = tiny_pdf()
_DOCX = tiny_docx()


def sent_media_id(path: str) -> str:
    """The msg_id whose photo or file ``path`` is, or "" for other media."""
    match = _SENT_MEDIA.match(path)
    return (match.group("image") or match.group("file")) if match else ""


def media_reply(path: str) -> Reply:
    lower = path.lower()
    if lower.endswith(".pdf"):
        return Reply(body=_PDF, content_type="application/pdf")
    if lower.endswith(".docx"):
        return Reply(
            body=_DOCX,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    if lower.endswith(_DOCUMENT_SUFFIXES):
        return Reply(
            body=b"Emulated document from the Zalo emulator.\n", content_type="application/octet-stream"
        )
    return Reply(body=_PNG, content_type="image/png", headers={"Cache-Control": "max-age=86400"})


def expired_reply() -> Reply:
    return Reply(status=404, body=b"Not Found", content_type="text/plain")


def unavailable_reply() -> Reply:
    return Reply(status=503, body=b"Service Unavailable", content_type="text/plain")
