"""Hộp thư và phản ánh kiến nghị: conversations with citizens, and the cases (petitions) opened from them.

A ``Conversation`` is one citizen's thread with us across every channel; its ``Entry`` rows are what
they wrote (linked to the channels' ``InboundMessage``), what officers answered, internal notes and
automatic answers. A ``Petition`` is a case with a legal deadline, a reference code the citizen keeps,
a responsible unit that may change (transfer, escalation) and a public lifecycle (``PetitionEvent``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FoldedTextField(models.TextField):
    """Text kept folded (no diacritics, lower case) for search; ``__fts`` searches it by words.

    On PostgreSQL migration 0002 adds ``<column>_tsv``, a stored ``tsvector`` of it with a GIN index.
    """


@FoldedTextField.register_lookup
class FullTextMatch(models.Lookup):
    """``field__fts="ngap lut"``: every word present. PostgreSQL matches the stored vector (``simple``
    configuration, as the text is already folded); other databases fall back to a substring match."""

    lookup_name = "fts"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE '%%' || {rhs} || '%%'", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        column = connection.ops.quote_name(self.lhs.target.column)
        if lhs.endswith(column):
            vector = lhs[: -len(column)] + connection.ops.quote_name(f"{self.lhs.target.column}_tsv")
        else:
            vector = f"to_tsvector('simple', {lhs})"
        return f"{vector} @@ plainto_tsquery('simple', {rhs})", (*lhs_params, *rhs_params)


class PetitionKind(models.TextChoices):
    """The four kinds the law gives different deadlines (vietnam-context §3.5)."""

    FEEDBACK = "feedback", _("Feedback")  # phản ánh
    PETITION = "petition", _("Petition")  # kiến nghị
    COMPLAINT = "complaint", _("Complaint")  # khiếu nại
    DENUNCIATION = "denunciation", _("Denunciation")  # tố cáo


class PetitionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # đã tiếp nhận
    IN_PROGRESS = "in_progress", _("Being handled")  # đang xử lý
    WAITING = "waiting_citizen", _("Waiting for the citizen")  # chờ người dân bổ sung
    ANSWERED = "answered", _("Answered")  # đã trả lời
    CLOSED = "closed", _("Closed")  # đã đóng
    MERGED = "merged", _("Merged into another case")  # đã gộp

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return (cls.RECEIVED, cls.IN_PROGRESS, cls.WAITING)


class PetitionSource(models.TextChoices):
    ZALO = "zalo", _("Zalo message")
    ZALO_FORM = "zalo_form", _("Zalo form")
    WEB = "web", _("Public web form")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("By phone, entered by an officer")
    IN_PERSON = "in_person", _("In person, entered by an officer")
    OPEN311 = "open311", _("Open311 application")


class Category(models.Model):
    """Lĩnh vực: the configurable taxonomy petitions are filed under (land, roads, environment…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    default_kind = models.CharField(
        _("usual kind"), max_length=16, choices=PetitionKind.choices, default=PetitionKind.FEEDBACK
    )
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class DeadlineRule(models.Model):
    """Thời hạn giải quyết: working days allowed per kind of case, and when to remind before."""

    kind = models.CharField(_("kind"), max_length=16, choices=PetitionKind.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days to answer"))
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind this many working days before"), default=2
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.working_days}"


class RoutingRule(models.Model):
    """Quy tắc chuyển: cases located in ``unit`` (and below) about ``category`` go to ``responsible_unit``.

    A rule for the case's category beats one for every category; among those, the closest place wins
    (village, then commune, then province).
    """

    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("where the case is"), related_name="+", on_delete=models.CASCADE
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
    )
    responsible_unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("responsible unit"), related_name="+", on_delete=models.PROTECT
    )
    office = models.CharField(_("responsible office"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["unit", "category"], name="inbox_one_rule_per_unit_category")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.category_id} → {self.responsible_unit_id}"


class CannedAnswer(models.Model):
    """Câu trả lời mẫu: a ready text an officer inserts and adapts; a province answer serves every commune."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.CASCADE)
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")

    def __str__(self) -> str:
        return self.title


class KnowledgeEntry(models.Model):
    """Hỏi đáp: an approved question and answer (procedures, schedules, contacts). A message that matches
    one confidently gets the answer at once, marked automatic; the Zalo keyword replies come from here.
    """

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.CASCADE)
    question = models.CharField(_("question"), max_length=300)
    keywords = models.CharField(_("keywords (comma-separated)"), max_length=300, blank=True)
    answer = models.TextField(_("answer"))
    approved = models.BooleanField(_("approved"), default=False)
    search_folded = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question"]
        verbose_name = _("knowledge base entry")
        verbose_name_plural = _("knowledge base")

    def __str__(self) -> str:
        return self.question


class Label(models.Model):
    """Nhãn: a unit's own tags for conversations (e.g. "điện", "chờ thôn trả lời")."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="inbox_label_once_per_unit")]

    def __str__(self) -> str:
        return self.name


class ConversationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("conversation", "Open")
    WAITING = "waiting", pgettext_lazy("conversation", "Waiting for the citizen")
    CLOSED = "closed", pgettext_lazy("conversation", "Closed")


class Conversation(models.Model):
    """Hội thoại: one citizen's thread across channels, in the unit that serves them.

    The list page reads only this row (preview, times, SOS flag are kept here), never the messages,
    so it stays fast with a million of them.
    """

    citizen = models.OneToOneField("citizens.Citizen", related_name="conversation", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    is_sos = models.BooleanField(_("SOS"), default=False)
    sos_cues = models.JSONField(default=list, blank=True)
    sos_at = models.DateTimeField(null=True, blank=True)
    unread = models.BooleanField(default=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    preview = models.CharField(max_length=200, blank=True)
    last_channel = models.CharField(max_length=16, blank=True)
    last_message_at = models.DateTimeField(db_index=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_sos", "-last_message_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["unit", "is_sos", "last_message_at"], name="inbox_conv_unit_order"),
            models.Index(fields=["status", "is_sos", "last_message_at"], name="inbox_conv_status_order"),
            models.Index(fields=["-is_sos", "-last_message_at", "-id"], name="inbox_conv_order"),
            models.Index(fields=["-sos_at"], condition=models.Q(is_sos=True), name="inbox_conv_sos"),
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id}@{self.unit_id}"


class EntryKind(models.TextChoices):
    INBOUND = "inbound", _("From the citizen")
    REPLY = "reply", _("Reply")
    AUTO = "auto", _("Automatic answer")
    NOTE = "note", _("Internal note")
    EVENT = "event", _("Case update")


class Entry(models.Model):
    """One line of a conversation. Notes are never sent; replies record what the channel did with them."""

    conversation = models.ForeignKey(Conversation, related_name="entries", on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    inbound = models.OneToOneField(
        "channels.InboundMessage", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    channel = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    text_folded = FoldedTextField(blank=True, editable=False)
    attachments = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    sent = models.ForeignKey(
        "channels.SentMessage", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    send_error = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("conversation entry")
        verbose_name_plural = _("conversation entries")
        indexes = [models.Index(fields=["conversation", "occurred_at"], name="inbox_entry_thread")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"


class IngestCursor(models.Model):
    """How far the inbox has read the channels' inbound messages (channels never call the inbox)."""

    name = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}:{self.last_id}"


class ReferenceCounter(models.Model):
    """The last number given per prefix and year, taken under a row lock so no code is given twice."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="inbox_counter_once")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}:{self.last}"


DUE_SOON = dt.timedelta(days=2)


class PetitionQuerySet(models.QuerySet["Petition"]):
    def open(self) -> PetitionQuerySet:
        return self.filter(status__in=PetitionStatus.open_values())

    def overdue(self, now: object = None) -> PetitionQuerySet:
        return self.open().filter(paused_at__isnull=True, due_at__lt=now or timezone.now())


class Petition(models.Model):
    """Phản ánh, kiến nghị: one case with a reference code the citizen keeps while it moves between units.

    ``unit`` is who answers now (scoping follows it); ``commune``/``village`` is where the problem is.
    ``due_at`` is the legal deadline in working days; while the case waits for the citizen the clock
    stops (``paused_at``) and the pause is added back on resume.
    """

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=PetitionKind.choices, default=PetitionKind.FEEDBACK
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PetitionStatus.choices, default=PetitionStatus.RECEIVED
    )
    source = models.CharField(_("received through"), max_length=16, choices=PetitionSource.choices)
    title = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("what the citizen wrote"))
    text_folded = FoldedTextField(blank=True, editable=False)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        related_name="petitions",
        on_delete=models.PROTECT,
    )
    # Empty once the citizen's data is erased: the case stays, for the counts, but no longer names anyone.
    citizen = models.ForeignKey(
        "citizens.Citizen",
        verbose_name=_("citizen"),
        null=True,
        blank=True,
        related_name="petitions",
        on_delete=models.PROTECT,
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, related_name="petitions", on_delete=models.SET_NULL
    )
    commune = models.ForeignKey(
        "geo.Unit", verbose_name=_("commune or ward"), related_name="+", on_delete=models.PROTECT
    )
    village = models.ForeignKey(
        "geo.Unit",
        verbose_name=_("village or residential group"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    address = models.CharField(_("place (as described)"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Open311 ``media_url``: kept as a link for staff, never fetched by the server (no SSRF), never public.
    media_url = models.URLField(_("link to a photo (given by an Open311 app)"), max_length=500, blank=True)
    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("responsible unit"), related_name="+", on_delete=models.PROTECT
    )
    office = models.CharField(_("responsible office"), max_length=120, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    is_sos = models.BooleanField(_("SOS"), default=False)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    paused_at = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    answer = models.TextField(_("published answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_on_time = models.BooleanField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("citizen's rating (1–5)"), null=True, blank=True)  # noqa: RUF001
    rating_comment = models.CharField(_("citizen's comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, related_name="merged", on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-is_sos", "-received_at", "-id"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        indexes = [
            models.Index(fields=["unit", "status", "received_at"], name="inbox_pet_unit_status"),
            models.Index(fields=["status", "due_at"], name="inbox_pet_due"),
            models.Index(fields=["commune", "status"], name="inbox_pet_commune"),
            models.Index(fields=["-is_sos", "-received_at", "-id"], name="inbox_pet_order"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in PetitionStatus.open_values()

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.paused_at is None and self.due_at < timezone.now()

    @property
    def due_soon(self) -> bool:
        """Open, running, and due within two days: the badge turns amber."""
        now = timezone.now()
        return self.is_open and self.paused_at is None and now <= self.due_at < now + DUE_SOON


class PetitionEventKind(models.TextChoices):
    CREATED = "created", _("Received")
    ROUTED = "routed", _("Sent to the responsible unit")
    TRANSFERRED = "transferred", _("Transferred")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Internal note")
    ANSWERED = "answered", _("Answered")
    REMINDED = "reminded", _("Reminder")
    ESCALATED = "escalated", _("Escalated")
    MERGED = "merged", _("Merged")
    REOPENED = "reopened", _("Reopened by the citizen")
    RATED = "rated", _("Rated by the citizen")


class NotifyStatus(models.TextChoices):
    NONE = "", _("Not sent to the citizen")
    PENDING = "pending", _("Being sent")
    SENT = "sent", _("Sent to the citizen")
    FAILED = "failed", _("Could not be sent")


class PetitionEvent(models.Model):
    """Lịch sử: every change to a case, kept for good. ``public`` ones make the citizen's timeline and are
    sent to them; transfers between offices are kept here but the citizen's view stays the same.
    """

    petition = models.ForeignKey(Petition, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField(max_length=12, choices=PetitionEventKind.choices)
    status = models.CharField(max_length=16, choices=PetitionStatus.choices, blank=True)
    from_unit = models.ForeignKey(
        "geo.Unit", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    to_unit = models.ForeignKey("geo.Unit", null=True, blank=True, related_name="+", on_delete=models.PROTECT)
    text = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    notify = models.CharField(
        max_length=8, choices=NotifyStatus.choices, default=NotifyStatus.NONE, blank=True
    )
    notify_channel = models.CharField(max_length=16, blank=True)
    notify_error = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["petition", "occurred_at"], name="inbox_event_petition")]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.kind}"


class PetitionAttachment(models.Model):
    """Tệp đính kèm: stored under its hash outside the web root, served only to staff in scope."""

    petition = models.ForeignKey(Petition, related_name="attachments", on_delete=models.CASCADE)
    name = models.CharField(_("file name"), max_length=200)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class FileStatus(models.TextChoices):
    PENDING = "pending", _("Being fetched")
    STORED = "stored", _("Stored")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Could not be fetched")


class MessageAttachment(models.Model):
    """Tệp người dân gửi qua Zalo: the photo or document of a citizen's message, fetched from the
    provider's link (which expires after about 7 days) by a task with retries, checked by its bytes and
    stored outside the web root like a case attachment. A link that failed or a file we refuse is
    recorded with the reason; the message itself is never lost."""

    entry = models.ForeignKey(Entry, related_name="files", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()  # index in the message's attachments
    kind = models.CharField(max_length=16)  # image, file
    name = models.CharField(_("file name"), max_length=200, blank=True)
    mime = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    stored_name = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=FileStatus.choices, default=FileStatus.PENDING)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["entry", "position"]
        constraints = [models.UniqueConstraint(fields=["entry", "position"], name="inbox_message_file_once")]

    def __str__(self) -> str:
        return f"{self.entry_id}#{self.position}:{self.status}"
