from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav

BAR_WIDTH = 260
ROW = 30  # a label line above each bar


def _practices_card(request: HttpRequest) -> dict[str, object] | None:
    """Mô hình this year per field and recognitions per level, in the viewer's own units."""
    from caunoi.practices.selectors import year_counts

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_PRACTICES):
        return None
    counts = year_counts(viewer=viewer, year=timezone.localdate().year)
    bars = [
        {
            "label": label,
            "registered": n,
            "recognised": rec,
            "y": ROW * i,
            "width": round(BAR_WIDTH * n / counts.biggest),
            "recognised_width": round(BAR_WIDTH * rec / counts.biggest),
        }
        for i, (label, n, rec) in enumerate(counts.by_field)
    ]
    return {"counts": counts, "bars": bars, "height": ROW * len(bars)}


def register() -> None:
    register_nav(
        NavItem(
            "practices",
            _("Good practices"),
            "practices:list",
            70,
            lambda request: viewer_of(request).can(Capability.VIEW_PRACTICES),
        )
    )
    register_card(DashboardCard("practices", "practices/card_practices.html", 60, _practices_card))
