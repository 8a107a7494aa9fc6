"""Stand-in media behind the URLs in emulated events (avatars, photos, files), so pages can show them."""

from __future__ import annotations

import struct
import zlib

from caunoi.channels.zalo.emulator.wire import Reply

_DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".csv")


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


_PNG = tiny_png()


def media_reply(path: str) -> Reply:
    if path.lower().endswith(_DOCUMENT_SUFFIXES):
        return Reply(
            body=b"Emulated document from the Zalo emulator.\n", content_type="application/octet-stream"
        )
    return Reply(body=_PNG, content_type="image/png", headers={"Cache-Control": "max-age=86400"})
