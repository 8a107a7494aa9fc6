from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from caunoi.accounts.models import ApiToken, RoleAssignment, User
from caunoi.core.errors import NotFound
from caunoi.core.permissions import ANONYMOUS, TWO_FACTOR_ROLES, Capability, Grant, Viewer
from caunoi.geo.models import Unit


def viewer_for_user(user: Any) -> Viewer:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    assignments = RoleAssignment.objects.active().filter(user=user).select_related("unit")
    grants = tuple(
        Grant(a.role, a.unit_id, a.unit.path, a.unit.name) for a in assignments if a.unit.is_active
    )
    return Viewer(user=user, token=None, grants=grants)


def viewer_for_token(token: ApiToken) -> Viewer:
    unit = token.unit
    return Viewer(user=None, token=token, grants=(Grant(token.role, unit.pk, unit.path, unit.name),))


def two_factor_required(user: User) -> bool:
    return (
        user.is_superuser
        or RoleAssignment.objects.active().filter(user=user, role__in=TWO_FACTOR_ROLES).exists()
    )


def staff_list(*, viewer: Viewer, search: str = "") -> QuerySet[User]:
    """Staff holding at least one role inside the viewer's staff-management scope."""
    in_scope = RoleAssignment.objects.active().filter(viewer.unit_q(Capability.MANAGE_STAFF, "unit"))
    qs = User.objects.filter(pk__in=in_scope.values("user_id"))
    if search:
        qs = qs.filter(username__icontains=search) | qs.filter(full_name__icontains=search)
    return qs.order_by("username").prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.active().select_related("unit"),
            to_attr="active_roles",
        )
    )


def access_staff(viewer: Viewer, user_id: int) -> User:
    try:
        return staff_list(viewer=viewer).get(pk=user_id)
    except User.DoesNotExist:
        raise NotFound() from None


def assignable_units(viewer: Viewer) -> QuerySet[Unit]:
    """Units on which this viewer may grant roles: provinces and communes inside their scope."""
    return (
        Unit.objects.active()
        .filter(viewer.unit_q(Capability.MANAGE_STAFF), level__in=["province", "commune"])
        .order_by("path")
    )


def api_token_list(*, viewer: Viewer) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(viewer.unit_q(Capability.MANAGE_TOKENS, "unit"))
        .select_related("unit", "created_by")
        .order_by("-created_at")
    )


def access_api_token(viewer: Viewer, token_id: int) -> ApiToken:
    try:
        return api_token_list(viewer=viewer).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound() from None
