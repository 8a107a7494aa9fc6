from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from caunoi.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators may look; changes go through the services so they are validated and audited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor_label", "unit_label", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_label", "action", "object_id", "request_id")
