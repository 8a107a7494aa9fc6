from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import NavItem, NavMenu, register_menu, register_nav

ADMIN_MENU = "admin"  # units, channels, staff, tokens, retention, audit: set up once, used rarely
OPINION_MENU = "opinion"  # the opinion dashboard, surveys and field reports


def register() -> None:
    register_menu(NavMenu(ADMIN_MENU, _("Administration"), 90))
    register_menu(NavMenu(OPINION_MENU, _("Opinion & surveys"), 50))
    register_nav(NavItem("dashboard", _("Dashboard"), "core:dashboard", 0, lambda request: True))
    register_nav(
        NavItem(
            "audit",
            _("Audit log"),
            "core:audit",
            95,
            lambda request: viewer_of(request).can(Capability.VIEW_AUDIT),
            menu=ADMIN_MENU,
        )
    )
