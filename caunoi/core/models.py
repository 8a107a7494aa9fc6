from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def delete(self) -> NoReturn:
        raise TypeError("The audit log is append-only")

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The audit log is append-only")


class AuditEvent(models.Model):
    """Nhật ký kiểm tra: one row per state change, never updated or deleted.

    Rows hold ids and short summaries, never a citizen's personal data, so erasing a citizen leaves
    the log intact. ``unit_id`` is the administrative unit the change belongs to; its name and path at
    the time are kept beside it (units are renamed and merged), and the path scopes who may read it.
    """

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    unit_id = models.BigIntegerField(_("unit"), null=True, blank=True, db_index=True)
    unit_label = models.CharField(_("unit"), max_length=200, blank=True)
    unit_path = models.CharField(max_length=200, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("The audit log is append-only")


class WorkerHeartbeat(models.Model):
    """The last time each background worker proved it was alive; read by ``/healthz``."""

    name = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class PendingTask(models.Model):
    """Việc chờ giao: background work recorded in the same transaction as the change that needs it.

    The row commits with the change and is deleted once the queue holds the task. When the queue
    (Redis) is down at that moment the row stays, and ``pending_tasks_hand_over`` gives it to the queue
    when it is back: what a user was told is done is never lost between the database and the queue.
    """

    task = models.CharField(max_length=200)  # "module.function" of the Huey task
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.task} {self.args} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class RateLimitBucket(models.Model):
    """One token bucket of a named rate limit (see caunoi.core.ratelimit), e.g. contact posts per client.

    Kept in the database so every web process and worker machine draws from the same bucket.
    """

    policy = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    tokens = models.FloatField()
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "key"], name="core_ratelimit_one_bucket")]

    def __str__(self) -> str:
        return f"{self.policy}:{self.key}={self.tokens:.2f}"


class DayOff(models.Model):
    """A change to the statutory calendar (ngày nghỉ / ngày làm bù) that deadlines count with.

    The government's yearly notice moves days (Tết bridges, a Saturday worked in exchange) and the
    province may add its own days off; ``caunoi.core.workdays`` reads these rows over the Labour
    Code's holidays. Change them through ``workdays.day_off_set``/``day_off_remove`` (audited).
    """

    class Kind(models.TextChoices):
        OFF = "off", _("Day off")
        WORKING = "working", _("Working day")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OFF)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["off", "working"]), name="core_dayoff_kind")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
