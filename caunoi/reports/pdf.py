"""PDF documents (certificates, after-action reports) rendered by WeasyPrint from a template.

The font ships in ``fonts/`` (DejaVu Sans, which has every Vietnamese glyph), so a certificate looks
the same on a server without desktop fonts; nothing is fetched from the network while rendering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string

FONTS = Path(__file__).resolve().parent / "fonts"


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template that extends ``reports/document.html`` to PDF bytes.

    Only ``file:`` and ``data:`` URLs load: a stray ``<img src="http://…">`` in a citizen's or an
    officer's text must neither hang a worker nor reach the network; it is skipped.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template_name, {**context, "font_dir": FONTS.as_uri()})
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, timeout=5)
    return HTML(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=fetcher).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
