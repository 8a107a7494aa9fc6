"""Xuất báo cáo dư luận: the dashboard's aggregates as an Excel workbook and as a PDF report with
charts. Both are built from the same ``selectors.Dashboard`` the page shows, so the small-cell rule
has already been applied: a suppressed cell is written as a dash, never as its number.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.opinion import charts
from caunoi.opinion.selectors import Cell, Dashboard
from caunoi.reports.pdf import render_pdf
from caunoi.reports.xlsx import Cell as XCell
from caunoi.reports.xlsx import Sheet, workbook_bytes

HIDDEN = "\u2013"  # an en dash: what a suppressed cell shows, on screen and in files


def _title(text: str) -> str:
    """A sheet name Excel accepts: none of : \\ / ? * [ ] (translations may use "xã/phường")."""
    return text.translate(str.maketrans(":\\/?*[]", "-------"))[:31]


def _n(cell: Cell, name: str = "messages") -> XCell:
    return HIDDEN if cell.suppressed else int(getattr(cell, name))


def sheets(board: Dashboard, *, scope: str) -> list[Sheet]:
    """Topics (this period, the previous one, the change), communes x topics, and days."""
    period = f"{board.start:%d/%m/%Y} {HIDDEN} {board.end:%d/%m/%Y}"
    topic_rows: list[Sequence[XCell]] = [
        [
            row.topic.name,
            _n(row.current),
            _n(row.current, "negative"),
            _n(row.current, "neutral"),
            _n(row.current, "positive"),
            _n(row.current, "urgent"),
            _n(row.previous),
            HIDDEN if row.change is None else row.change,
        ]
        for row in board.topics
    ]
    topic_rows.append(
        [
            _("All topics"),
            _n(board.total),
            _n(board.total, "negative"),
            _n(board.total, "neutral"),
            _n(board.total, "positive"),
            _n(board.total, "urgent"),
            _n(board.previous_total),
            "",
        ]
    )
    topics = [row.topic for row in board.topics]
    heat_rows: list[Sequence[XCell]] = [
        [unit.name, unit.code, *(_heat(board, unit.pk, topic.pk) for topic in topics)]
        for unit in board.communes
    ]
    day_rows: list[Sequence[XCell]] = [
        [day, HIDDEN if value is None else value] for day, value in board.daily
    ]
    about: list[Sequence[XCell]] = [
        [_("Area"), scope],
        [_("Period"), period],
        [_("Generated"), timezone.localtime()],
        [
            _("Small cells"),
            _("Figures resting on fewer than %(k)d citizens are hidden (%(dash)s).")
            % {"k": board.k, "dash": HIDDEN},
        ],
    ]
    return [
        Sheet(
            _title(_("Topics")),
            [
                _("Topic"),
                _("Messages"),
                _("Negative"),
                _("Neutral"),
                _("Positive"),
                _("Urgent"),
                _("Previous period"),
                _("Change (%)"),
            ],
            topic_rows,
        ),
        Sheet(
            _title(_("Communes by topic")), [_("Commune"), _("Code"), *(t.name for t in topics)], heat_rows
        ),
        Sheet(_title(_("Messages per day")), [_("Day"), _("Messages")], day_rows),
        Sheet(_title(_("About")), [_("Item"), _("Value")], about),
    ]


def _heat(board: Dashboard, unit_id: int, topic_id: int) -> XCell:
    cell = board.heat.get((unit_id, topic_id))
    if cell is None:
        return 0
    return _n(cell)


def workbook(board: Dashboard, *, scope: str) -> bytes:
    return workbook_bytes(sheets(board, scope=scope))


# The dashboard's charts take their colours from opinion.css; a chart printed as an image carries them.
CHART_STYLE = (
    "<style>text{font-family:DejaVu Sans,sans-serif;font-size:12px;fill:#1b1b1b}"
    ".neg{fill:#b3261e}.neu{fill:#8a8f98}.pos{fill:#2e7d32}.axis{stroke:#8a8f98;stroke-width:1}"
    ".line{fill:none;stroke:#1565c0;stroke-width:2}.point{fill:#1565c0}"
    ".suppressed{fill:none;stroke:#8a8f98}</style>"
)


def _data_uri(svg: str) -> str:
    """An SVG chart of the page as a standalone image: its namespace and its colours inside."""
    head, rest = svg.split(">", 1)
    standalone = (
        head.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1) + ">" + CHART_STYLE + rest
    )
    return "data:image/svg+xml;base64," + base64.b64encode(standalone.encode()).decode()


def report_pdf(board: Dashboard, *, scope: str) -> bytes:
    """A printable report: figures, topics by mood (bars), messages per day (line) and the heat table.
    The charts are the dashboard's own SVG, so the file shows what the page shows."""
    shown = [r for r in board.topics if not r.current.suppressed and r.current.messages]
    bars = [
        charts.Bar(r.topic.name, (r.current.negative, r.current.neutral, r.current.positive)) for r in shown
    ]
    topics = [row.topic for row in board.topics]
    return render_pdf(
        "opinion/report_pdf.html",
        {
            "board": board,
            "scope": scope,
            "generated": timezone.localtime(),
            "bars_chart": _data_uri(str(charts.sentiment_bars(bars))) if bars else "",
            "daily_chart": _data_uri(str(charts.daily_line(board.daily))),
            "heat_topics": topics,
            "heat_rows": [
                (unit, [board.heat.get((unit.pk, topic.pk)) for topic in topics]) for unit in board.communes
            ],
            "hidden": HIDDEN,
        },
    )
