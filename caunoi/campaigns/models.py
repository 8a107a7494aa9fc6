"""Chiến dịch: what is written once, approved by a second person, and delivered on every channel.

A campaign (``Campaign``) carries its content in language variants (``ContentVariant``), its audience
(units, an optional segment, languages, consent) and its delivery policy. Deliveries (``Delivery``) are
the outbox: one row per citizen, filled set-based when the campaign is launched and moved through their
states by the sender workers (see ``caunoi.campaigns.engine`` and ``docs/campaigns.md``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caunoi.channels.base import ChannelKind

PERSONAL = (ChannelKind.ZALO, ChannelKind.ZNS, ChannelKind.SMS, ChannelKind.EMAIL)
UNIT_CHANNELS = (ChannelKind.WEB, ChannelKind.LOUDSPEAKER)
CHANNEL_LABELS: dict[str, Any] = {
    ChannelKind.ZALO: _("Zalo OA"),
    ChannelKind.ZNS: _("Zalo ZNS"),
    ChannelKind.SMS: _("SMS"),
    ChannelKind.EMAIL: _("Email"),
    ChannelKind.WEB: _("Public web page"),
    ChannelKind.LOUDSPEAKER: _("Loudspeaker feed"),
}
ZALO_TEXT_MAX = 2000


class CampaignKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")  # bài tuyên truyền, thông báo
    ALERT = "alert", _("Emergency alert")  # cảnh báo khẩn cấp


class CampaignState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("campaign state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("campaign state", "Awaiting approval")
    RETURNED = "returned", pgettext_lazy("campaign state", "Returned")
    APPROVED = "approved", pgettext_lazy("campaign state", "Approved")
    SCHEDULED = "scheduled", pgettext_lazy("campaign state", "Scheduled")
    SENDING = "sending", pgettext_lazy("campaign state", "Sending")
    PAUSED = "paused", pgettext_lazy("campaign state", "Paused")
    COMPLETED = "completed", pgettext_lazy("campaign state", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("campaign state", "Cancelled")


class DeliveryPolicy(models.TextChoices):
    """What happens to a message whose worker died between the hand-off and recording it."""

    AT_MOST_ONCE = "at_most_once", _("At most once (reported as unknown)")
    AT_LEAST_ONCE = "at_least_once", _("At least once (sent again)")


class Priority(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("bulletin priority", "Normal")
    PRIORITY = "priority", pgettext_lazy("bulletin priority", "Priority")
    EMERGENCY = "emergency", pgettext_lazy("bulletin priority", "Emergency")


class Recurrence(models.TextChoices):
    NONE = "", _("Once")
    WEEKLY = "weekly", _("Every week")


class AlertTemplate(models.Model):
    """Mẫu cảnh báo: wording prepared and approved in calm times, so a release takes a minute, not an hour."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    sms_text = models.TextField(_("SMS text"), blank=True)
    pre_approved = models.BooleanField(
        _("pre-approved"),
        default=False,
        help_text=_("One person with the right to release alerts may send it without a second confirmation."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert template")
        verbose_name_plural = _("alert templates")

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """Nhóm người nhận: a named audience — a fixed list, or a rule on unit, consent and language."""

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=120)
    is_static = models.BooleanField(_("fixed list"), default=False)
    members = models.ManyToManyField("citizens.Citizen", blank=True, related_name="+")
    rule_units = models.ManyToManyField("geo.Unit", blank=True, related_name="+")
    rule_consent = models.CharField(_("with consent"), max_length=16, blank=True)
    rule_language = models.CharField(_("language"), max_length=8, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """Chiến dịch: one announcement or alert, its audience and its delivery.

    The author writes; a different person approves (four eyes). ``channel_pauses`` holds channels the
    engine stopped for this campaign (a used-up quota, an OA to reconnect) with the reason shown.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=CampaignKind.choices)
    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("sent by"), related_name="+", on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"), max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT, db_index=True
    )
    channels = models.JSONField(_("channels"), default=list)
    fallback_order = models.JSONField(_("fallback order"), default=list)
    policy = models.CharField(_("delivery policy"), max_length=16, choices=DeliveryPolicy.choices)
    priority = models.CharField(
        _("priority"), max_length=12, choices=Priority.choices, default=Priority.NORMAL
    )
    target_units = models.ManyToManyField("geo.Unit", verbose_name=_("audience units"), related_name="+")
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    languages = models.JSONField(_("only these languages"), default=list, blank=True)
    sms_unaccented = models.BooleanField(_("SMS without diacritics"), default=False)
    # Khảo sát: each message carries the recipient's own signed link to this survey (one answer each).
    survey = models.ForeignKey(
        "opinion.Survey",
        verbose_name=_("survey"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    zns_template_id = models.CharField(_("ZNS template"), max_length=32, blank=True)
    zns_params = models.JSONField(_("ZNS template values"), default=dict, blank=True)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    recurrence = models.CharField(
        _("repeat"), max_length=8, choices=Recurrence.choices, default=Recurrence.NONE, blank=True
    )
    recurrence_of = models.ForeignKey(
        "self", null=True, blank=True, related_name="occurrences", on_delete=models.SET_NULL
    )
    template = models.ForeignKey(
        AlertTemplate, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    stand_down_of = models.ForeignKey(
        "self", null=True, blank=True, related_name="stand_downs", on_delete=models.PROTECT
    )
    channel_pauses = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(_("comments"), blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    released_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    stood_down_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["kind", "state"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_alert(self) -> bool:
        return self.kind == CampaignKind.ALERT

    @property
    def personal_channels(self) -> list[str]:
        return [c for c in self.fallback_order if c in self.channels and c in PERSONAL]

    @property
    def editable(self) -> bool:
        return self.state in (CampaignState.DRAFT, CampaignState.RETURNED)

    def channel_labels(self) -> list[str]:
        return [str(CHANNEL_LABELS.get(c, c)) for c in self.channels]


class VariantState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("translation state", "Draft")
    ASSIGNED = "assigned", pgettext_lazy("translation state", "With the translator")
    SUBMITTED = "submitted", pgettext_lazy("translation state", "Awaiting review")
    APPROVED = "approved", pgettext_lazy("translation state", "Approved")


class ContentVariant(models.Model):
    """Bản ngôn ngữ: the text in one language with a rendition per channel.

    The Vietnamese variant is the source and is approved with the campaign; another language reaches
    citizens only once a reviewer who did not translate it approved it — until then they get Vietnamese.
    Blank renditions fall back to the body.
    """

    campaign = models.ForeignKey(Campaign, related_name="variants", on_delete=models.CASCADE)
    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    zalo_text = models.TextField(_("Zalo message"), blank=True)
    sms_text = models.TextField(_("SMS text"), blank=True)
    email_html = models.TextField(_("email (HTML)"), blank=True)
    loudspeaker_script = models.TextField(_("loudspeaker script"), blank=True)
    state = models.CharField(max_length=12, choices=VariantState.choices, default=VariantState.DRAFT)
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    review_comment = models.TextField(_("review comments"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"], name="campaigns_one_variant_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.language}"

    @property
    def language_name(self) -> str:
        return dict(settings.CAUNOI_CONTENT_LANGUAGES).get(self.language, self.language)

    def rendition(self, channel: str) -> str:
        """The text this channel carries; blank renditions fall back to the body."""
        chosen = {
            ChannelKind.ZALO: self.zalo_text,
            ChannelKind.SMS: self.sms_text,
            ChannelKind.EMAIL: self.email_html,
            ChannelKind.LOUDSPEAKER: self.loudspeaker_script,
        }.get(ChannelKind(channel), "")
        return chosen or self.body


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("delivery", "Queued")
    SENDING = "sending", pgettext_lazy("delivery", "Sending")
    SENT = "sent", pgettext_lazy("delivery", "Sent")
    DELIVERED = "delivered", pgettext_lazy("delivery", "Delivered")
    SEEN = "seen", pgettext_lazy("delivery", "Seen")
    FAILED = "failed", pgettext_lazy("delivery", "Failed")
    UNKNOWN = "unknown", pgettext_lazy("delivery", "Unknown")
    CANCELLED = "cancelled", pgettext_lazy("delivery", "Cancelled")


PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
HANDED_OVER = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.SEEN)


class Delivery(models.Model):
    """Một lần gửi: one citizen's copy of one campaign — the outbox row the sender workers claim.

    ``tracking_id`` of the provider's ``SentMessage`` is ``"d<id>"``, so receipts find their way back.
    """

    # Indexes and constraint checks cost more than the rows when a million are inserted at once, so
    # only those a query needs are kept: (campaign, citizen) is unique, the commune is a plain copy.
    campaign = models.ForeignKey(
        Campaign, related_name="deliveries", on_delete=models.CASCADE, db_index=False
    )
    citizen = models.ForeignKey("citizens.Citizen", related_name="+", on_delete=models.CASCADE)
    unit = models.ForeignKey(
        "geo.Unit", related_name="+", on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    channel = models.CharField(max_length=16)
    language = models.CharField(max_length=8, default="vi")
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_class = models.CharField(max_length=16, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    cost_vnd = models.DecimalField(max_digits=10, decimal_places=0, default=0)
    # Neither indexed nor checked by the database: the row it points at is inserted in the same
    # transaction, a sent message is never deleted (Django would set this to NULL if one were), and an
    # index made recording a send a non-HOT update (see the Meta comment), a check one more query a row.
    sent_message = models.ForeignKey(
        "channels.SentMessage",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "citizen"], name="campaigns_one_delivery_per_citizen")
        ]
        # Every index is on columns that never change after the insert, none on (or conditioned on)
        # status, claimed_at or sent_message: the claim and the record then touch the row only, and
        # PostgreSQL can make them HOT updates (the new version on the same page, no index entry
        # written; the table keeps half of each page free for that, migration 0003). With an index
        # on status every update added an entry to every index. The claim walks (campaign, id) above
        # a high-water mark; the counts by status are kept in ``DeliveryCount``.
        indexes = [models.Index(fields=["campaign", "id"], name="campaigns_delivery_campaign_id")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.citizen_id}:{self.channel}:{self.status}"

    @property
    def tracking_id(self) -> str:
        return f"d{self.pk}"


class DeliveryCount(models.Model):
    """Đếm tiến độ: how many of a campaign's deliveries are in each channel and status.

    The engine shifts these in the same transaction as the status change, so the progress bar reads a
    handful of rows instead of counting a million. ``slot`` spreads a campaign's counts over a few rows
    so two senders recording at once do not wait on each other's row lock; the count is the sum over
    slots (a slot alone may go negative). Delivered and seen stay counted as ``sent``: the progress bar
    shows hand-offs, the results page reads the receipts. The channel is blank for the unreachable.
    """

    campaign = models.ForeignKey(Campaign, related_name="+", on_delete=models.CASCADE, db_index=False)
    channel = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices)
    slot = models.PositiveSmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "channel", "status", "slot"], name="campaigns_count_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.channel}:{self.status}:{self.slot}={self.n}"


class UnitPublication(models.Model):
    """The web page (and loudspeaker item) a campaign published for one unit, once per language."""

    campaign = models.ForeignKey(Campaign, related_name="publications", on_delete=models.CASCADE)
    unit = models.ForeignKey("geo.Unit", related_name="+", on_delete=models.PROTECT)
    language = models.CharField(max_length=8)
    web_post = models.ForeignKey("channels.WebPost", related_name="+", on_delete=models.PROTECT)
    with_audio = models.BooleanField(default=False)
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "language"], name="campaigns_publish_once_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.unit_id}:{self.language}"
