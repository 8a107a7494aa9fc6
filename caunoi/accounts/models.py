from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Role


class User(AbstractUser):
    """A staff member (cán bộ). Residents are ``citizens.Citizen``, never users."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.full_name or self.get_username()


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self) -> RoleAssignmentQuerySet:
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    """Phân quyền: a role held on a unit; it reaches that unit and every unit below it."""

    user = models.ForeignKey(User, related_name="role_assignments", on_delete=models.CASCADE)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=models.Q(revoked_at__isnull=True),
                name="accounts_one_active_role_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class ApiToken(models.Model):
    """Khoá API for an integration, bound to one unit and one role. Only a hash is stored."""

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.REPORTER)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
