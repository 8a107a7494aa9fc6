"""Mô hình "Dân vận khéo": registered practices, their evidence, evaluation and replication.

A practice belongs to the unit that runs it (usually a commune) and to one year. It moves
draft → submitted → under evaluation → recognised / not recognised; every move is a ``StatusChange``
row visible on the page and an audit row. A committee (hội đồng) of a level and a year scores it on
weighted criteria; the result is the weighted average of the members' totals. A recognised practice
can be replicated (nhân rộng) by other communes, which report their own progress.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PracticeField(models.TextChoices):
    """The four fields (lĩnh vực) a "Dân vận khéo" model is registered in."""

    ECONOMY = "economy", _("Economy")  # kinh tế
    CULTURE_SOCIETY = "culture_society", _("Culture and society")  # văn hoá, xã hội
    DEFENCE_SECURITY = "defence_security", _("Defence and security")  # quốc phòng, an ninh
    POLITICAL_SYSTEM = "political_system", _("Building the political system")  # xây dựng hệ thống chính trị


class Level(models.TextChoices):
    """Recognition levels (cấp công nhận) under the two-tier local government."""

    COMMUNE = "commune", pgettext_lazy("recognition level", "Commune")
    PROVINCE = "province", pgettext_lazy("recognition level", "Province")
    CENTRAL = "central", pgettext_lazy("recognition level", "Central")


# Higher levels outrank lower ones; a practice recognised by a commune may go on to the province.
LEVEL_RANK: dict[str, int] = {"": 0, Level.COMMUNE: 1, Level.PROVINCE: 2, Level.CENTRAL: 3}


class PracticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
    RECOGNISED = "recognised", _("Recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised")


class PracticeQuerySet(models.QuerySet["Practice"]):
    def recognised(self) -> PracticeQuerySet:
        return self.filter(status=PracticeStatus.RECOGNISED)


class Practice(models.Model):
    """Mô hình "Dân vận khéo": what a unit does, for which problem, and what it achieved."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    title = models.CharField(_("title"), max_length=250)
    field = models.CharField(_("field"), max_length=24, choices=PracticeField.choices, db_index=True)
    people_in_charge = models.CharField(_("people in charge"), max_length=300)
    started_on = models.DateField(_("start"))
    ended_on = models.DateField(_("end"), null=True, blank=True)
    problem = models.TextField(_("problem it solves"))
    method = models.TextField(_("method"))
    results = models.TextField(_("results"), blank=True)
    # [{"label": "Hộ tham gia", "value": 120, "unit": "hộ"}]: the measurable results, as figures.
    figures = models.JSONField(_("results in figures"), default=list, blank=True)
    beneficiaries = models.PositiveIntegerField(_("beneficiaries (people)"), default=0)
    beneficiaries_note = models.CharField(_("who benefits"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PracticeStatus.choices,
        default=PracticeStatus.DRAFT,
        db_index=True,
    )
    recognised_level = models.CharField(
        _("recognition level"), max_length=16, choices=Level.choices, blank=True
    )
    recognised_year = models.PositiveSmallIntegerField(_("year recognised"), null=True, blank=True)
    search_folded = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-updated_at", "-id"]
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="practices_practice_period",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="recognised") | ~models.Q(recognised_level=""),
                name="practices_recognised_has_level",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == PracticeStatus.DRAFT


class StatusChange(models.Model):
    """One step of the workflow with the comment given, shown as the practice's history."""

    practice = models.ForeignKey(Practice, related_name="changes", on_delete=models.CASCADE)
    from_status = models.CharField(max_length=20, choices=PracticeStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PracticeStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.from_status} → {self.to_status}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


class Evidence(models.Model):
    """Minh chứng: a photo or document, stored outside the web root and served only through a scoped view."""

    practice = models.ForeignKey(Practice, related_name="evidence", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=200, unique=True)  # relative to the evidence directory
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


class Committee(models.Model):
    """Hội đồng đánh giá: evaluates the practices of its unit's area for one level and one year."""

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "level", "name"]
        verbose_name = _("evaluation committee")
        verbose_name_plural = _("evaluation committees")

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, related_name="members", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="practices_one_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}:{self.user_id}"


class CriterionKey(models.TextChoices):
    """The criteria the provincial texts share (tiêu chí đánh giá)."""

    RESULTS = "results", _("Concrete results")  # kết quả cụ thể, đo được
    SUPPORT = "support", _("Public support")  # được nhân dân đồng tình, tham gia
    SUSTAINABILITY = "sustainability", _("Sustainability")  # bền vững
    REPLICABILITY = "replicability", _("Replicability")  # có khả năng nhân rộng


DEFAULT_WEIGHTS: dict[str, int] = {
    CriterionKey.RESULTS: 40,
    CriterionKey.SUPPORT: 25,
    CriterionKey.SUSTAINABILITY: 20,
    CriterionKey.REPLICABILITY: 15,
}


class Criterion(models.Model):
    """A weighted criterion of one committee; weights of a committee sum to 100."""

    committee = models.ForeignKey(Committee, related_name="criteria", on_delete=models.CASCADE)
    key = models.CharField(max_length=20, choices=CriterionKey.choices)
    weight = models.PositiveSmallIntegerField(_("weight (%)"), validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["committee", "key"], name="practices_one_criterion")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.weight}%)"


class EvaluationStatus(models.TextChoices):
    OPEN = "open", _("Scoring")
    DECIDED = "decided", _("Decided")


class Evaluation(models.Model):
    """One committee's evaluation of one practice; the result is fixed when the committee decides."""

    practice = models.ForeignKey(Practice, related_name="evaluations", on_delete=models.CASCADE)
    committee = models.ForeignKey(Committee, related_name="evaluations", on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    result = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    recognised = models.BooleanField(null=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "committee"], name="practices_one_evaluation"),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id}@{self.committee_id}"


class Score(models.Model):
    """Điểm: one member's score, 0 to 10, on one criterion of one evaluation."""

    evaluation = models.ForeignKey(Evaluation, related_name="scores", on_delete=models.CASCADE)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    criterion = models.ForeignKey(Criterion, related_name="+", on_delete=models.PROTECT)
    value = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "member", "criterion"], name="practices_one_score"),
            models.CheckConstraint(
                condition=models.Q(value__gte=0) & models.Q(value__lte=10), name="practices_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.member_id}:{self.criterion_id}={self.value}"


class ReplicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


class Replication(models.Model):
    """Nhân rộng: another unit adopts a recognised practice, with its own adaptation and results."""

    source = models.ForeignKey(Practice, related_name="replications", on_delete=models.PROTECT)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("year"))
    adaptation_notes = models.TextField(_("adaptation notes"))
    started_on = models.DateField(_("start"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReplicationStatus.choices, default=ReplicationStatus.IN_PROGRESS
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    results = models.TextField(_("results"), blank=True)
    beneficiaries = models.PositiveIntegerField(_("beneficiaries (people)"), default=0)
    last_update_at = models.DateTimeField(db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_update_at", "-id"]
        verbose_name = _("replication")
        verbose_name_plural = _("replications")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "unit"],
                condition=~models.Q(status="stopped"),
                name="practices_one_live_replication_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.unit}"


class ReplicationUpdate(models.Model):
    """A progress report of a replication; the newest one sets the replication's progress."""

    replication = models.ForeignKey(Replication, related_name="updates", on_delete=models.CASCADE)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), validators=[MaxValueValidator(100)])
    note = models.TextField(_("what happened"))
    results = models.TextField(_("results so far"), blank=True)
    beneficiaries = models.PositiveIntegerField(_("beneficiaries (people)"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.replication_id}: {self.progress}%"
