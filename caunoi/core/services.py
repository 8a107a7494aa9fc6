from __future__ import annotations

import socket
from typing import Any

from django.db import models
from django.utils import timezone

from caunoi.core.models import AuditEvent, WorkerHeartbeat
from caunoi.core.permissions import Viewer
from caunoi.core.requestid import current_request_id

SYSTEM_ACTOR = "system"


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    unit: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Write one audit row. Call it inside the service's transaction so both commit or neither.

    ``actor`` is a staff user, a token ``Viewer`` (integrations), or ``None`` for the system.
    """
    summary: dict[str, Any] = {}
    if before:
        summary["before"] = before
    if after:
        summary["after"] = after
    if isinstance(actor, Viewer):
        user, label = actor.user, actor.label
    else:
        user = actor if getattr(actor, "is_authenticated", False) else None
        label = user.get_username() if user is not None else SYSTEM_ACTOR
    label = actor_label or label
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label[:150],
        unit_id=unit.pk if unit is not None else None,
        unit_label=str(unit)[:200] if unit is not None else "",
        unit_path=getattr(unit, "path", "") if unit is not None else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary,
        request_id=current_request_id(),
    )


def worker_heartbeat_record(*, name: str | None = None) -> WorkerHeartbeat:
    """One row per worker machine: the newest beat tells ``/healthz`` that work is being picked up."""
    name = name or socket.gethostname()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return heartbeat
