from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _campaigns_card(request: HttpRequest) -> dict[str, object] | None:
    from caunoi.campaigns.models import CampaignKind, CampaignState
    from caunoi.campaigns.selectors import campaign_list

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_CAMPAIGNS):
        return None
    qs = campaign_list(viewer=viewer)
    return {
        "awaiting": qs.filter(state=CampaignState.SUBMITTED).count(),
        "sending": qs.filter(state=CampaignState.SENDING).count(),
        "alerts": qs.filter(
            kind=CampaignKind.ALERT, released_at__isnull=False, stood_down_at__isnull=True
        ).count(),
    }


def register() -> None:
    register_nav(
        NavItem(
            "campaigns",
            _("Campaigns"),
            "campaigns:list",
            45,
            lambda request: viewer_of(request).can(Capability.VIEW_CAMPAIGNS),
        )
    )
    register_card(DashboardCard("campaigns", "campaigns/card.html", 25, _campaigns_card))
