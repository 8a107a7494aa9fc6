from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    """Mục đích xử lý dữ liệu: each purpose is consented to separately (Decree 356/2025)."""

    NEWS = "news", _("Receive announcements and news")
    FEEDBACK = "feedback", _("Handle my feedback and petitions")
    CONTACT = "contact", _("Contact me back about my case")
    SURVEYS = "surveys", _("Invite me to surveys")


class ConsentSource(models.TextChoices):
    IN_PERSON = "in_person", _("In person, recorded by an officer")
    PHONE = "phone", _("By phone, recorded by an officer")
    WEB = "web", _("Public web form")
    ZALO = "zalo", _("Zalo")


class CitizenQuerySet(models.QuerySet["Citizen"]):
    def present(self) -> CitizenQuerySet:
        return self.filter(erased_at__isnull=True)


class Citizen(models.Model):
    """Người dân: the minimum needed to answer someone and to reach them on the channels they chose.

    There is deliberately no field for ethnicity, religion or political opinion. The content language
    is the one the citizen chose for themselves; it is never inferred. Erasing a citizen blanks every
    personal field but keeps the row (and its unit), so counts per commune stay right.
    """

    display_name = models.CharField(_("name (how to address them)"), max_length=120, blank=True)
    name_folded = models.CharField(max_length=120, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("phone"), max_length=15, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    home_unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("commune or village"), related_name="+", on_delete=models.PROTECT
    )
    preferred_language = models.CharField(
        _("language chosen by the citizen"), max_length=8, blank=True, default="vi"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    objects = CitizenQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        if self.erased_at:
            return str(_("(erased)"))
        return self.display_name or f"#{self.pk}"


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """Sự đồng ý: one grant for one purpose, with the exact wording the citizen saw; withdrawable."""

    citizen = models.ForeignKey(Citizen, related_name="consents", on_delete=models.CASCADE)
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    wording = models.TextField(_("wording shown"))
    wording_version = models.CharField(_("wording version"), max_length=20)
    source = models.CharField(_("how it was given"), max_length=16, choices=ConsentSource.choices)
    granted_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="citizens_one_active_consent_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id}:{self.purpose}"


class RetentionPolicy(models.Model):
    """Thời hạn lưu trữ: how long one kind of personal data is kept before it is erased."""

    data_kind = models.CharField(_("kind of data"), max_length=40, unique=True)
    keep_days = models.PositiveIntegerField(_("keep for (days)"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return f"{self.data_kind}: {self.keep_days}"
