from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _disclosure_card(request: HttpRequest) -> dict[str, object] | None:
    """Ý kiến chờ duyệt: residents wait for their comments to appear, so the count is on the dashboard."""
    from caunoi.disclosure.selectors import moderation_queue

    viewer = viewer_of(request)
    if not viewer.can(Capability.PUBLISH_WEB):
        return None
    return {"pending": moderation_queue(viewer=viewer).count()}


def register() -> None:
    register_nav(
        NavItem(
            "disclosure",
            _("Disclosure board"),
            "disclosure:list",
            57,
            lambda request: viewer_of(request).can(Capability.PUBLISH_WEB),
        )
    )
    register_card(DashboardCard("disclosure", "disclosure/card_disclosure.html", 45, _disclosure_card))
