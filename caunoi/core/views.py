from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from caunoi.core.access import capability_required, public, staff
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import dashboard_cards
from caunoi.core.selectors import AuditFilters, audit_list, health_check


@staff
def dashboard(request: HttpRequest) -> HttpResponse:
    """Trang tổng quan: one card per installed module, each scoped to the viewer's units."""
    return render(request, "core/dashboard.html", {"cards": dashboard_cards(request)})


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_check()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def _audit_filters(request: HttpRequest) -> AuditFilters:
    def _date(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    unit = request.GET.get("unit", "")
    return AuditFilters(
        action=request.GET.get("action", "").strip(),
        actor=request.GET.get("actor", "").strip(),
        unit_id=int(unit) if unit.isdigit() else None,
        since=_date("since"),
        until=_date("until"),
    )


@capability_required(Capability.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Nhật ký kiểm tra, filtered; the export link carries the same filters."""
    filters = _audit_filters(request)
    events = audit_list(viewer=viewer_of(request), filters=filters).select_related("actor")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "filters": filters, "query": request.GET.urlencode()},
    )


@capability_required(Capability.VIEW_AUDIT)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    events = audit_list(viewer=viewer_of(request), filters=_audit_filters(request))

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def text(value: str) -> str:
        # A cell starting with = + - @ is a formula to Excel (CSV injection): quote it as text.
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

    header = ["time", "actor", "unit", "action", "object_type", "object_id", "summary", "request_id"]

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel opens Vietnamese text correctly
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(e.occurred_at).isoformat(),
                    text(e.actor_label),
                    text(e.unit_label),
                    e.action,
                    e.object_type,
                    text(e.object_id),
                    json.dumps(e.summary, ensure_ascii=False),
                    e.request_id,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    return response
