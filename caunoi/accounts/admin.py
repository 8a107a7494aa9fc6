from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from caunoi.accounts.models import ApiToken, RoleAssignment, User
from caunoi.core.admin import ReadOnlyAdmin


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Operators may reset passwords and deactivate accounts; roles are granted in the staff pages."""

    fieldsets = (*UserAdmin.fieldsets, (None, {"fields": ("full_name",)}))  # type: ignore[misc]
    list_display = ("username", "full_name", "email", "is_active", "is_superuser")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "unit", "granted_at", "revoked_at")
    list_filter = ("role",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "unit", "role", "created_at", "last_used_at", "revoked_at")
