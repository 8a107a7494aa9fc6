"""Tables of public opinion (dư luận xã hội).

Privacy by construction: ``AnalysedMessage`` keeps the *redacted* text and what was inferred from
it, the commune and the day — and nothing that leads back to the citizen. There is no foreign key to
a citizen, an inbound message or a channel identity, so no query can build one person's opinion
profile. Small cells are suppressed using ``ContributorMark``: a keyed hash of (citizen, month) per
topic x commune x day, which can be counted but not joined to any message or reversed without the
secret key, and which changes every month.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Topic(models.Model):
    """Lĩnh vực / chủ đề: one entry of the government taxonomy the classifier sorts messages into.

    ``key`` is what the classifier predicts; the 13 built-in topics are seeded by a data migration,
    and officers add new ones from emerging topics.
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    built_in = models.BooleanField(_("built in"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    INBOUND = "inbound", _("Message from a citizen")
    FIELD_REPORT = "field_report", _("Field report")
    SURVEY = "survey", _("Survey answer")


class AnalysedMessage(models.Model):
    """Tin đã phân tích: a redacted message with its topic, mood and urgency, by commune and day."""

    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.INBOUND)
    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("commune"), related_name="+", on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    text = models.TextField(_("text (personal data removed)"))
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), related_name="+", on_delete=models.PROTECT)
    topic_score = models.FloatField(_("certainty"))
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices)
    urgency = models.FloatField(_("urgency"))
    sos_cues = models.JSONField(_("SOS cues"), default=list, blank=True)
    needs_moderation = models.BooleanField(_("needs moderation"), default=False)
    labelled = models.BooleanField(_("labelled by an officer"), default=False)
    model_key = models.CharField(max_length=24, blank=True)
    analysed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("analysed message")
        verbose_name_plural = _("analysed messages")
        indexes = [
            models.Index(fields=["unit", "day"], name="opinion_msg_unit_day"),
            models.Index(fields=["topic", "day"], name="opinion_msg_topic_day"),
            models.Index(fields=["labelled", "topic_score"], name="opinion_msg_uncertain"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.topic_id}"


class Correction(models.Model):
    """Nhãn do cán bộ sửa: an officer's label; the classifier is retrained on them. The redacted text
    is copied so a correction outlives the message's retention."""

    message = models.OneToOneField(
        AnalysedMessage, null=True, blank=True, related_name="correction", on_delete=models.SET_NULL
    )
    text = models.TextField(_("text"))
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), related_name="+", on_delete=models.PROTECT)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("label correction")
        verbose_name_plural = _("label corrections")

    def __str__(self) -> str:
        return f"{self.topic_id}/{self.sentiment}"


class TopicDayCount(models.Model):
    """Số liệu tổng hợp: topic x commune x day, what dashboards read (never the messages)."""

    topic = models.ForeignKey(Topic, related_name="+", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", related_name="+", on_delete=models.CASCADE)
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    urgent = models.PositiveIntegerField(default=0)
    # Distinct people that day (its contributor marks). The largest over a range's days is a lower
    # bound of the people in the range, enough to show most cells without counting marks at all.
    people = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "unit", "day"], name="opinion_count_once"),
        ]
        indexes = [models.Index(fields=["day", "unit"], name="opinion_count_day_unit")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.topic_id}: {self.messages}"


class ContributorMark(models.Model):
    """A keyed monthly pseudonym per topic x commune x day, only to count distinct people for the
    small-cell rule. It is not linked to any message, so it says who wrote *about a topic* at most,
    never what they said."""

    topic = models.ForeignKey(Topic, related_name="+", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", related_name="+", on_delete=models.CASCADE)
    day = models.DateField()
    month = models.CharField(max_length=7)  # "2026-11": the pseudonym's period
    mark = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "unit", "day", "mark"], name="opinion_mark_once"),
        ]
        indexes = [models.Index(fields=["day", "unit"], name="opinion_mark_day_unit")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.topic_id}"


class SpikeAlert(models.Model):
    """Đột biến: a topic in a commune rising well above its own baseline on one day."""

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), related_name="+", on_delete=models.CASCADE)
    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("commune"), related_name="+", on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("messages"))
    baseline = models.FloatField(_("usual daily messages"))
    score = models.FloatField(_("score"))
    detected_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-day", "-score"]
        verbose_name = _("spike")
        verbose_name_plural = _("spikes")
        constraints = [models.UniqueConstraint(fields=["topic", "unit", "day"], name="opinion_spike_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.topic_id}  x {self.count}"


class EmergingStatus(models.TextChoices):
    NEW = "new", _("New")
    ADOPTED = "adopted", _("Added to the topics")
    DISMISSED = "dismissed", _("Dismissed")


class EmergingTopic(models.Model):
    """Chủ đề mới nổi: a cluster of recent messages with its keywords, for an officer to name."""

    discovered_at = models.DateTimeField(auto_now_add=True)
    keywords = models.JSONField(_("keywords"), default=list)
    size = models.PositiveIntegerField(_("messages"))
    main_topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        verbose_name=_("classified mostly as"),
        related_name="+",
        on_delete=models.SET_NULL,
    )
    novelty = models.FloatField(_("novelty"), default=0.0)
    representatives = models.ManyToManyField(AnalysedMessage, related_name="+", blank=True)
    units = models.ManyToManyField("geo.Unit", related_name="+", blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EmergingStatus.choices, default=EmergingStatus.NEW
    )
    adopted_topic = models.ForeignKey(
        Topic, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-discovered_at", "-size"]
        verbose_name = _("emerging topic")
        verbose_name_plural = _("emerging topics")

    def __str__(self) -> str:
        return ", ".join(self.keywords[:3])


class OpinionState(models.Model):
    """One row: how far inbound messages have been analysed and which model is current."""

    inbound_cursor = models.BigIntegerField(default=0)
    model_key = models.CharField(max_length=24, blank=True)
    trained_at = models.DateTimeField(null=True, blank=True)
    corrections_trained = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"cursor {self.inbound_cursor}, model {self.model_key or '-'}"

    @classmethod
    def load(cls, *, for_update: bool = False) -> OpinionState:
        qs = cls.objects.select_for_update() if for_update else cls.objects
        state, _created = qs.get_or_create(pk=1)
        return state


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Survey(models.Model):
    """Khảo sát, thăm dò ý kiến: questions a unit asks its residents through a signed link (sent by a
    campaign, by SMS or shown on the web). One response per citizen."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("introduction"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    SCALE = "scale", _("Scale from 1 to 5")
    TEXT = "text", _("Free text")


class Question(models.Model):
    survey = models.ForeignKey(Survey, related_name="questions", on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One citizen's response. ``respondent`` is a keyed hash of (survey, citizen): it stops a second
    response without recording who answered."""

    survey = models.ForeignKey(Survey, related_name="responses", on_delete=models.CASCADE)
    respondent = models.CharField(max_length=32)
    unit = models.ForeignKey("geo.Unit", related_name="+", on_delete=models.PROTECT)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent"], name="opinion_one_response_per_citizen")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, related_name="answers", on_delete=models.CASCADE)
    question = models.ForeignKey(Question, related_name="answers", on_delete=models.CASCADE)
    choices = models.JSONField(default=list, blank=True)  # indexes into question.choices
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)  # redacted
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices, blank=True)
    topic = models.ForeignKey(Topic, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"{self.question_id}:{self.pk}"


class FieldReport(models.Model):
    """Báo cáo dư luận từ cơ sở: what a collaborator (cộng tác viên) heard people say in a commune,
    one remark per line. The remarks are redacted and analysed like messages, each line counted once;
    the report keeps only the redacted text."""

    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("commune"), related_name="+", on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    mood = models.CharField(_("general mood"), max_length=8, choices=Sentiment.choices)
    remarks = models.TextField(_("what people say (personal data removed)"))
    proposals = models.TextField(_("proposals"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class NoticeKind(models.TextChoices):
    DIGEST = "digest", _("weekly digest")  # bản tin dư luận hằng tuần cho lãnh đạo
    REPORT_REMINDER = "report_reminder", _("field report reminder")  # nhắc báo cáo dư luận tháng


class StaffNotice(models.Model):
    """Thông báo cho cán bộ: one weekly digest or one reminder for one staff member and one period.

    The row is written first and the email sent after, claimed once, so a rerun of the periodic task
    neither loses a notice nor sends it twice. A reminder row is also what the product shows."""

    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.CASCADE)
    period = models.CharField(_("period"), max_length=10)  # "2026-W48" or "2026-11"
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "user", "unit", "period"], name="opinion_notice_once"),
        ]
        indexes = [models.Index(fields=["kind", "period"], name="opinion_notice_period")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} {self.user_id}"
