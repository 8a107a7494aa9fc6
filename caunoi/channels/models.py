from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caunoi.channels.base import ChannelKind


class ZaloAccountStatus(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NEEDS_REAUTH = "needs_reauth", _("Needs to be connected again")
    DISCONNECTED = "disconnected", _("Disconnected")


class ZaloAccount(models.Model):
    """Tài khoản Zalo OA: one Official Account connected by a unit, with its tokens encrypted.

    The access token lives ~25 h and the refresh token works once (it rotates on every refresh), so
    both are replaced together under a row lock; losing the new refresh token would mean asking a
    person to connect the OA again.
    """

    unit = models.ForeignKey("geo.Unit", verbose_name=_("unit"), related_name="+", on_delete=models.PROTECT)
    oa_id = models.CharField(_("OA id"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    app_id = models.CharField(_("App id"), max_length=32)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(_("access token expires"), null=True, blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ZaloAccountStatus.choices, default=ZaloAccountStatus.CONNECTED
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    connected_at = models.DateTimeField(_("connected"), null=True, blank=True)
    last_webhook_at = models.DateTimeField(_("last webhook received"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    rate_limit_remaining = models.IntegerField(_("calls left this minute"), null=True, blank=True)
    zns_quota_daily = models.IntegerField(_("ZNS messages a day"), null=True, blank=True)
    zns_quota_remaining = models.IntegerField(_("ZNS messages left today"), null=True, blank=True)
    zns_quota_checked_at = models.DateTimeField(_("ZNS quota checked"), null=True, blank=True)
    # Held while one process refreshes the tokens, so no other spends the single-use refresh token.
    refresh_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Zalo Official Account")
        verbose_name_plural = _("Zalo Official Accounts")

    def __str__(self) -> str:
        return self.name or self.oa_id


class ChannelIdentity(models.Model):
    """Định danh kênh: how one citizen is reached on one channel, e.g. their Zalo user id for one OA.

    Zalo user ids are per OA, hence ``account``. Phone and email live on the citizen.
    """

    citizen = models.ForeignKey(
        "citizens.Citizen", related_name="channel_identities", on_delete=models.CASCADE
    )
    channel = models.CharField(_("channel"), max_length=16, choices=[(k.value, k.value) for k in ChannelKind])
    account = models.ForeignKey(
        ZaloAccount, null=True, blank=True, related_name="identities", on_delete=models.PROTECT
    )
    external_id = models.CharField(_("id on the channel"), max_length=64)
    follows = models.BooleanField(_("follows the OA"), default=False)
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel identity")
        verbose_name_plural = _("channel identities")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "account", "external_id"], name="channels_one_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class ZaloTagMember(models.Model):
    """Nhãn Zalo: a follower we put under a tag on the OA, so officers find our segments in Zalo's own
    tools. Zalo's user list cannot be filtered by tag at scale, so we remember what we applied."""

    account = models.ForeignKey(ZaloAccount, related_name="+", on_delete=models.CASCADE)
    tag = models.CharField(max_length=64)
    identity = models.ForeignKey(ChannelIdentity, related_name="+", on_delete=models.CASCADE)
    tagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "tag", "identity"], name="channels_tag_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.tag}:{self.identity_id}"


class WebhookEvent(models.Model):
    """The raw event as the provider sent it, kept before anything is done with it.

    Acknowledging only after this row commits means nothing acknowledged is lost; the unique
    ``dedupe_key`` makes the provider's retries harmless.
    """

    channel = models.CharField(max_length=16)
    account = models.ForeignKey(
        ZaloAccount, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    dedupe_key = models.CharField(max_length=128)
    oa_id = models.CharField(max_length=32, blank=True, db_index=True)
    event_name = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedupe_key"], name="channels_webhook_once")
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.event_name}:{self.dedupe_key}"


class InboundMessage(models.Model):
    """Tin nhắn đến: what a citizen wrote to us on a channel (text, image, file, location…)."""

    citizen = models.ForeignKey("citizens.Citizen", related_name="inbound_messages", on_delete=models.CASCADE)
    identity = models.ForeignKey(
        ChannelIdentity, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    channel = models.CharField(max_length=16)
    provider_message_id = models.CharField(max_length=64)
    message_type = models.CharField(max_length=24)
    text = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"], name="channels_inbound_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.provider_message_id}"


class ZnsTemplateRecord(models.Model):
    """Mẫu tin ZNS: a template Zalo approved for one OA, as Zalo describes it, plus the purpose we use it for.

    The purpose is ours to set (Zalo does not know it): it names the consent a recipient must have given
    before the template may be sent to their phone. A template without a purpose is never sent.
    """

    account = models.ForeignKey(ZaloAccount, related_name="zns_templates", on_delete=models.CASCADE)
    template_id = models.CharField(_("template id"), max_length=32)
    name = models.CharField(_("name"), max_length=200, blank=True)
    params = models.JSONField(_("parameters (name → maximum length)"), default=dict)
    price_vnd = models.DecimalField(_("price per message (VND)"), max_digits=10, decimal_places=0, default=0)
    purpose = models.CharField(_("purpose"), max_length=16, blank=True)  # a citizens.ConsentPurpose value
    enabled = models.BooleanField(_("enabled at Zalo"), default=True)
    synced_at = models.DateTimeField(_("synced"))

    class Meta:
        verbose_name = _("ZNS template")
        verbose_name_plural = _("ZNS templates")
        constraints = [
            models.UniqueConstraint(fields=["account", "template_id"], name="channels_zns_template_once")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} {self.name}".strip()


class SentStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    SEEN = "seen", _("Seen")
    FAILED = "failed", _("Failed")


class SentMessage(models.Model):
    """Tin đã gửi: a message a provider accepted, followed to delivered and seen by its webhooks.

    Campaign deliveries point here through ``tracking_id``; channels never look back at them.
    """

    channel = models.CharField(max_length=16)
    account = models.ForeignKey(
        ZaloAccount, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    identity = models.ForeignKey(
        ChannelIdentity, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    provider_message_id = models.CharField(max_length=64)
    tracking_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=SentStatus.choices, default=SentStatus.SENT)
    error_code = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"], name="channels_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.provider_message_id}:{self.status}"


class WebPostPriority(models.TextChoices):
    """The three kinds of bulletin of Circular 39/2020/TT-BTTTT, shared with the loudspeaker feed."""

    NORMAL = "normal", pgettext_lazy("bulletin priority", "Normal")
    PRIORITY = "priority", pgettext_lazy("bulletin priority", "Priority")
    EMERGENCY = "emergency", pgettext_lazy("bulletin priority", "Emergency")


class AudioStatus(models.TextChoices):
    NONE = "none", _("No audio")
    PENDING = "pending", _("Being spoken")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class WebPostQuerySet(models.QuerySet["WebPost"]):
    def published(self) -> WebPostQuerySet:
        """What the public may see: published and not withdrawn."""
        from django.utils import timezone

        return self.filter(withdrawn_at__isnull=True, published_at__lte=timezone.now())

    def with_audio(self) -> WebPostQuerySet:
        return self.filter(audio_status=AudioStatus.READY).exclude(audio_path="")


class WebPost(models.Model):
    """Bài đăng công khai: an announcement a province or commune publishes on its public page, in its
    RSS/Atom feeds and, with audio, in the loudspeaker feed. The body is plain text (paragraphs
    separated by blank lines): it is always escaped, never rendered as HTML.
    """

    unit = models.ForeignKey(
        "geo.Unit", verbose_name=_("published by"), related_name="web_posts", on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, default="vi")
    priority = models.CharField(
        _("priority"), max_length=12, choices=WebPostPriority.choices, default=WebPostPriority.NORMAL
    )
    slug = models.SlugField(_("address"), max_length=80)
    published_at = models.DateTimeField(_("published"), db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    audio_status = models.CharField(
        _("audio"), max_length=8, choices=AudioStatus.choices, default=AudioStatus.NONE
    )
    # Relative to MEDIA_ROOT ("loudspeaker/<sha256>.ogg"); the name is the hash of the script spoken.
    audio_path = models.CharField(max_length=200, blank=True, db_index=True)
    audio_mime = models.CharField(max_length=32, blank=True)
    audio_bytes = models.PositiveIntegerField(null=True, blank=True)
    audio_duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    audio_script = models.TextField(_("script read on air"), blank=True)
    audio_error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebPostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("public announcement")
        verbose_name_plural = _("public announcements")
        constraints = [
            models.UniqueConstraint(fields=["unit", "slug"], name="channels_webpost_slug_per_unit")
        ]
        indexes = [models.Index(fields=["unit", "withdrawn_at", "published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def audio_filename(self) -> str:
        return self.audio_path.rsplit("/", 1)[-1]

    @property
    def language_name(self) -> str:
        return dict(settings.CAUNOI_CONTENT_LANGUAGES).get(self.language, self.language)

    @property
    def audio_duration_display(self) -> str:
        """ "1:05" for 65 seconds, as players show it."""
        seconds = round(self.audio_duration_seconds or 0)
        return f"{seconds // 60}:{seconds % 60:02d}"
