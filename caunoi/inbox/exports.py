"""Xuất báo cáo: the petition list as Excel with the filters on screen, and a monthly PDF per unit
with server-side SVG charts (no JavaScript, no chart library)."""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from xml.sax.saxutils import escape

from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.geo.models import Unit
from caunoi.inbox.models import Petition, PetitionKind, PetitionStatus
from caunoi.reports.pdf import pdf_response, render_pdf
from caunoi.reports.xlsx import Sheet, xlsx_response

EXPORT_MAX_ROWS = 100_000


def petitions_xlsx(petitions: QuerySet[Petition]) -> HttpResponse:
    """No names, phones or texts of citizens: the workbook travels between offices."""
    rows = (
        (
            p.reference,
            p.get_kind_display(),
            p.get_status_display(),
            p.category.name if p.category else "",
            p.title,
            p.commune.name,
            p.unit.name,
            p.office,
            p.received_at,
            p.due_at,
            p.answered_at,
            {True: _("yes"), False: _("no"), None: ""}[p.answered_on_time],
            p.rating,
        )
        for p in petitions[:EXPORT_MAX_ROWS].iterator(chunk_size=2000)
    )
    headers = [
        _("Code"),
        _("Kind"),
        _("Status"),
        _("Category"),
        _("Subject"),
        _("Commune or ward"),
        _("Responsible unit"),
        _("Office"),
        _("Received on"),
        _("Due"),
        _("Answered"),
        _("On time"),
        _("Rating"),
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response([Sheet(_("Petitions"), headers, rows)], f"phan-anh-kien-nghi-{stamp}.xlsx")


def bar_chart_svg(
    title: str, bars: list[tuple[str, int]], *, width: int = 480, colour: str = "#8a1c1c"
) -> str:
    """A horizontal bar chart as SVG text; labels are escaped (they may hold a category's name)."""
    row, left = 22, 170
    height = 30 + row * max(1, len(bars))
    top = max((v for _, v in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = 26 + i * row
        length = int((width - left - 50) * value / top)
        parts.append(f'<text x="0" y="{y + 14}" font-size="11">{escape(label[:28])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{length}" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{left + length + 4}" y="{y + 14}" font-size="11">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def monthly_figures(unit: Unit, year: int, month: int) -> dict[str, object]:
    start = dt.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.get_current_timezone())
    scope = Petition.objects.filter(
        Q(unit__path__startswith=unit.path) | Q(commune__path__startswith=unit.path)
    )
    received = scope.filter(received_at__gte=start, received_at__lt=end)
    answered = scope.filter(answered_at__gte=start, answered_at__lt=end)
    totals = answered.aggregate(
        n=Count("id"), on_time=Count("id", filter=Q(answered_on_time=True)), rated=Count("rating")
    )
    by_kind = Counter(dict(received.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")))
    by_category = received.values_list("category__name").annotate(n=Count("id")).order_by("-n")[:10]
    by_status = Counter(
        dict(received.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    )
    overdue = scope.overdue(end).count()
    return {
        "received": received.count(),
        "answered": totals["n"],
        "on_time": totals["on_time"],
        "overdue": overdue,
        "kind_chart": _data_uri(
            bar_chart_svg(
                _("Received by kind"), [(str(k.label), by_kind.get(k.value, 0)) for k in PetitionKind]
            )
        ),
        "category_chart": _data_uri(
            bar_chart_svg(
                _("Received by category"), [(name or _("No category"), n) for name, n in by_category]
            )
        ),
        "status_chart": _data_uri(
            bar_chart_svg(
                _("Status now of those received"),
                [(str(s.label), by_status.get(s.value, 0)) for s in PetitionStatus],
                colour="#2f5d8a",
            )
        ),
    }


def monthly_pdf(*, unit: Unit, year: int, month: int) -> HttpResponse:
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "generated": timezone.localtime(),
        **monthly_figures(unit, year, month),
    }
    content = render_pdf("inbox/report_pdf.html", context)
    return pdf_response(content, f"bao-cao-{unit.code}-{year}-{month:02d}.pdf")
