from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from caunoi.accounts.models import ApiToken, RoleAssignment, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (None, {"fields": ("full_name",)}))  # type: ignore[misc]
    list_display = ("username", "full_name", "email", "is_active", "is_superuser")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "granted_at", "revoked_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "unit", "granted_by")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "unit", "role", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    raw_id_fields = ("unit", "created_by")
