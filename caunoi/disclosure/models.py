"""Bảng công khai: what a commune publishes under the Law on Grassroots Democracy, and the comments on it.

Law 10/2022/QH15 Art. 11-13 (with Decree 59/2023/NĐ-CP) lists what the commune must make public and
for how long; the web portal and lawful social networks are among the forms Art. 12 allows. Residents
may comment on what is published (Art. 25-29); every comment waits for the commune's moderation and
keeps only the name the resident chose to show.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The groups of content of Art. 11, as residents look for them."""

    PLANS = "plans", _("Plans and their results")
    BUDGET = "budget", _("Budget and finances")
    PROJECTS = "projects", _("Projects and investment")
    LAND = "land", _("Land use, compensation and resettlement")
    CONTRIBUTIONS = "contributions", _("Contributions from residents")
    INSPECTIONS = "inspections", _("Results of inspections")
    OTHER = "other", _("Other matters the law requires")


LAW = "Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15"
# The legal basis shown beside each publication unless the officer names a more precise one. The law's
# own name stays in Vietnamese whatever the page language: it is how the text is cited.
LEGAL_BASIS: dict[str, str] = {
    Category.PLANS: f"{LAW}, Điều 11 (kế hoạch phát triển kinh tế - xã hội, kết quả thực hiện)",
    Category.BUDGET: f"{LAW}, Điều 11 (dự toán, quyết toán, tình hình thực hiện ngân sách xã)",
    Category.PROJECTS: f"{LAW}, Điều 11 (dự án, công trình đầu tư và tiến độ thực hiện)",
    Category.LAND: f"{LAW}, Điều 11 (quy hoạch, kế hoạch sử dụng đất; bồi thường, hỗ trợ, tái định cư)",
    Category.CONTRIBUTIONS: f"{LAW}, Điều 11 (quản lý, sử dụng các khoản đóng góp của Nhân dân)",
    Category.INSPECTIONS: f"{LAW}, Điều 11 (kết quả thanh tra, kiểm tra, giải quyết vụ việc tiêu cực)",
    Category.OTHER: f"{LAW}, Điều 11",
}


class PublicationQuerySet(models.QuerySet["Publication"]):
    def visible(self, now: dt.datetime | None = None) -> PublicationQuerySet:
        """On the public board now: published, not yet ended, not withdrawn."""
        now = now or timezone.now()
        return self.filter(withdrawn_at__isnull=True, published_at__lte=now).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now)
        )


class Publication(models.Model):
    """Một nội dung công khai: shown on the unit's public board from ``published_at`` until ``ends_at``."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    published_at = models.DateTimeField(_("published from"), db_index=True)
    ends_at = models.DateTimeField(_("published until"), null=True, blank=True)
    comments_open = models.BooleanField(_("residents may comment"), default=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        indexes = [models.Index(fields=["unit", "-published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("published_at")),
                name="disclosure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_visible(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.withdrawn_at is None
            and self.published_at <= now
            and (self.ends_at is None or self.ends_at > now)
        )


class Attachment(models.Model):
    """Tài liệu đính kèm: the file lives under MEDIA_ROOT by its hash, never under a web root."""

    publication = models.ForeignKey(Publication, related_name="attachments", on_delete=models.CASCADE)
    name = models.CharField(_("file name"), max_length=200)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Shown")
    REJECTED = "rejected", _("Not shown")


class Comment(models.Model):
    """Ý kiến của người dân: only the name the resident chose to show is kept, nothing else about them."""

    publication = models.ForeignKey(Publication, related_name="comments", on_delete=models.CASCADE)
    display_name = models.CharField(_("name shown"), max_length=60)
    text = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["publication", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.display_name}: {self.text[:40]}"
