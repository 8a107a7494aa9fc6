from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from caunoi.core.models import AuditEvent, WorkerHeartbeat
from caunoi.core.permissions import Capability, Viewer


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    unit_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def audit_list(*, viewer: Viewer, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit rows about units inside the viewer's audit scope, newest first.

    Events that belong to no unit (accounts created, unit loads, retention settings and runs) concern
    the whole installation: auditors who hold their role on a province or above see them too.
    """
    qs = AuditEvent.objects.all()
    if not (viewer.user is not None and viewer.user.is_superuser):
        scope = viewer.path_q(Capability.VIEW_AUDIT, "unit_path")
        if any(prefix.count("/") <= 2 for prefix in viewer.prefixes(Capability.VIEW_AUDIT)):
            scope |= Q(unit_path="")
        qs = qs.filter(scope)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.unit_id is not None:
        qs = qs.filter(unit_id=filters.unit_id)
    tz = timezone.get_current_timezone()
    if filters.since:
        qs = qs.filter(occurred_at__gte=dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz))
    if filters.until:
        qs = qs.filter(
            occurred_at__lt=dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs


def health_check() -> dict[str, Any]:
    """Database, queue and worker heartbeat, each ``ok`` or not, for ``/healthz``."""
    from huey.contrib.djhuey import HUEY

    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}

    try:
        checks["queue"] = {"ok": True, "pending": HUEY.pending_count(), "backend": type(HUEY).__name__}
    except Exception as exc:
        checks["queue"] = {"ok": False, "error": type(exc).__name__}

    if checks["database"]["ok"]:
        last = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
        if last is None:
            checks["worker"] = {"ok": False, "error": "no heartbeat yet"}
        else:
            age = (timezone.now() - last).total_seconds()
            checks["worker"] = {
                "ok": age <= settings.CAUNOI_WORKER_STALE_SECONDS,
                "last_heartbeat": last.isoformat(),
                "age_seconds": round(age, 1),
            }
    else:
        checks["worker"] = {"ok": False, "error": "database unavailable"}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "fail", "checks": checks}
