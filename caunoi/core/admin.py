from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from caunoi.core import workdays
from caunoi.core.models import AuditEvent, DayOff
from caunoi.core.permissions import Capability, viewer_of


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


@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin):
    """Ngày nghỉ, ngày làm bù: for holders of the inbox configuration capability, saved through the
    audited services so every change to the deadline calendar is in the audit log."""

    list_display = ("date", "name", "kind")
    list_filter = ("kind",)
    date_hierarchy = "date"

    def _allowed(self, request: HttpRequest) -> bool:
        return viewer_of(request).can(Capability.CONFIGURE_INBOX)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        previous = form.initial.get("date") if change else None
        if previous and previous != obj.date:
            workdays.day_off_remove(actor=request.user, day=previous)
        saved = workdays.day_off_set(actor=request.user, day=obj.date, name=obj.name, kind=obj.kind)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        workdays.day_off_remove(actor=request.user, day=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for row in queryset:
            workdays.day_off_remove(actor=request.user, day=row.date)
