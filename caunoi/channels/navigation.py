from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from caunoi.core.navigation import ADMIN_MENU
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import NavItem, register_nav


def register() -> None:
    register_nav(
        NavItem(
            "channels",
            _("Channels"),
            "channels:settings",
            60,
            lambda request: viewer_of(request).can(Capability.MANAGE_CHANNELS),
            menu=ADMIN_MENU,
        )
    )
    register_nav(
        NavItem(
            "web_posts",
            _("Public page"),
            "channels:web_posts",
            55,
            lambda request: viewer_of(request).can(Capability.PUBLISH_WEB),
            menu=ADMIN_MENU,
        )
    )
