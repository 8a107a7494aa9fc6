from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.navigation import ADMIN_MENU
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _citizens_card(request: HttpRequest) -> dict[str, object] | None:
    from caunoi.citizens.models import ConsentPurpose
    from caunoi.citizens.selectors import citizen_list, consent_counts

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_CITIZENS):
        return None
    counts = consent_counts(viewer=viewer)
    return {
        "citizen_count": citizen_list(viewer=viewer).count(),
        "consents": [(p.label, counts.get(p.value, 0)) for p in ConsentPurpose],
    }


def register() -> None:
    register_nav(
        NavItem(
            "citizens",
            _("Citizens"),
            "citizens:list",
            40,
            lambda request: viewer_of(request).can(Capability.VIEW_CITIZENS),
        )
    )
    register_nav(
        NavItem(
            "retention",
            _("Data retention"),
            "citizens:retention",
            90,
            lambda request: viewer_of(request).can(Capability.MANAGE_RETENTION),
            menu=ADMIN_MENU,
        )
    )
    register_card(DashboardCard("citizens", "citizens/card_citizens.html", 30, _citizens_card))
