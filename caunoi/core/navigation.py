from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import NavItem, register_nav


def register() -> None:
    register_nav(NavItem("dashboard", _("Dashboard"), "core:dashboard", 0, lambda request: True))
    register_nav(
        NavItem(
            "audit",
            _("Audit log"),
            "core:audit",
            95,
            lambda request: viewer_of(request).can(Capability.VIEW_AUDIT),
        )
    )
