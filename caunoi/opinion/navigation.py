from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.navigation import OPINION_MENU
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _spikes_card(request: HttpRequest) -> dict[str, object] | None:
    """The responsible unit's notice: open spikes in the communes this viewer covers."""
    from caunoi.opinion.selectors import spike_list

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_OPINION):
        return None
    spikes = list(spike_list(viewer=viewer)[:5])
    return {"spikes": spikes} if spikes else None


def register() -> None:
    register_nav(
        NavItem(
            "opinion",
            _("Public opinion"),
            "opinion:dashboard",
            50,
            lambda request: viewer_of(request).can(Capability.VIEW_OPINION),
            menu=OPINION_MENU,
        )
    )
    register_nav(
        NavItem(
            "surveys",
            _("Surveys"),
            "opinion:surveys",
            52,
            lambda request: viewer_of(request).can(Capability.MANAGE_SURVEYS),
            menu=OPINION_MENU,
        )
    )
    register_nav(
        NavItem(
            "field_reports",
            _("Field reports"),
            "opinion:field_reports",
            53,
            lambda request: viewer_of(request).can(Capability.FIELD_REPORTS),
            menu=OPINION_MENU,
        )
    )
    register_card(DashboardCard("opinion_spikes", "opinion/card_spikes.html", 5, _spikes_card))
