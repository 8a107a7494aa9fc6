from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.navigation import ADMIN_MENU
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _units_card(request: HttpRequest) -> dict[str, object] | None:
    from caunoi.geo.models import Unit

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_UNITS):
        return None
    scoped = Unit.objects.active().filter(viewer.unit_q(Capability.VIEW_UNITS))
    return {
        "communes": scoped.filter(level="commune").count(),
        "wards": scoped.filter(level="commune", unit_type="phuong").count(),
        "villages": scoped.filter(level="village").count(),
    }


def register() -> None:
    register_nav(
        NavItem(
            "units",
            _("Units"),
            "geo:home",
            20,
            lambda request: viewer_of(request).can(Capability.VIEW_UNITS),
            menu=ADMIN_MENU,
        )
    )
    register_card(DashboardCard("units", "geo/card_units.html", 20, _units_card))
