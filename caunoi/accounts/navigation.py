from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caunoi.core.navigation import ADMIN_MENU
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _can(capability: Capability):  # type: ignore[no-untyped-def]
    return lambda request: viewer_of(request).can(capability)


def _roles_card(request: HttpRequest) -> dict[str, object] | None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    viewer = viewer_of(request)
    if not viewer.grants:
        return None
    return {
        "grants": viewer.grants,
        "has_2fa": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
    }


def register() -> None:
    staff = _can(Capability.MANAGE_STAFF)
    register_nav(NavItem("staff", _("Staff"), "accounts:staff_list", 80, staff, menu=ADMIN_MENU))
    tokens = _can(Capability.MANAGE_TOKENS)
    register_nav(NavItem("tokens", _("API tokens"), "accounts:tokens", 85, tokens, menu=ADMIN_MENU))
    register_card(DashboardCard("my_roles", "accounts/card_roles.html", 10, _roles_card))
