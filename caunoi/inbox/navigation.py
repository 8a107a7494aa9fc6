from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _card(request: HttpRequest) -> dict[str, Any] | None:
    from caunoi.inbox.selectors import inbox_counts

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_INBOX):
        return None
    return inbox_counts(viewer=viewer)


def register() -> None:
    register_nav(
        NavItem(
            "inbox",
            _("Inbox"),
            "inbox:inbox",
            20,
            lambda request: viewer_of(request).can(Capability.VIEW_INBOX),
        )
    )
    register_nav(
        NavItem(
            "petitions",
            _("Petitions"),
            "inbox:petitions",
            21,
            lambda request: viewer_of(request).can(Capability.VIEW_INBOX),
        )
    )
    register_card(DashboardCard("inbox", "inbox/card_inbox.html", 15, _card))
