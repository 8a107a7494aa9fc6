"""Excel workbooks (xlsx): what a commune sends up to the province, one sheet per table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | float | Decimal | dt.date | dt.datetime | bool | None


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters, Excel's limit
    headers: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def _cell(value: Cell) -> Any:
    # Excel has no time zones: show local time (Asia/Ho_Chi_Minh), as the office reading it expects.
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per table; the header row bold and frozen, columns sized to fit."""
    book = Workbook(write_only=False)
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        ws.append([str(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in sheet.headers]
        for row in sheet.rows:
            ws.append([_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                # openpyxl stores any text starting with "=" as a formula, and a resident's message
                # "=HYPERLINK(...)" would then run in the officer's Excel: text stays text.
                if cell.data_type == "f":
                    cell.data_type = "s"
            for i, value in enumerate(row[: len(widths)]):
                widths[i] = max(widths[i], min(len(str(value)) if value is not None else 0, 60))
        ws.freeze_panes = "A2"
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width + 2
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
