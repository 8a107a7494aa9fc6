"""Small real files and a publication factory shared by the disclosure tests."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from caunoi.disclosure import services
from caunoi.disclosure.models import Publication

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def publish(unit: Any, actor: Any, **changes: Any) -> Publication:
    data: dict[str, Any] = {
        "unit": unit,
        "category": "budget",
        "title": "Dự toán ngân sách xã năm 2026",
        "body": "Tổng thu: 12,5 tỷ đồng.\nTổng chi: 12,3 tỷ đồng.",
        "actor": actor,
    }
    data.update(changes)
    return services.publication_publish(**data)
