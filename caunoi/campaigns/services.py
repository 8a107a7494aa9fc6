"""Chiến dịch: every write use-case of campaigns and emergency alerts.

Four eyes: whoever approves a campaign (or confirms an alert) is never its author. Every step writes an
audit row in the same transaction. Sending itself happens in the worker (``tasks`` → ``engine``),
queued on commit; nothing here calls a provider.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.campaigns import audience, conf, counts, zns
from caunoi.campaigns.models import (
    CHANNEL_LABELS,
    PERSONAL,
    UNIT_CHANNELS,
    ZALO_TEXT_MAX,
    AlertTemplate,
    Campaign,
    CampaignKind,
    CampaignState,
    ContentVariant,
    Delivery,
    DeliveryPolicy,
    DeliveryStatus,
    Priority,
    Recurrence,
    Segment,
    UnitPublication,
    VariantState,
)
from caunoi.channels.base import ChannelKind
from caunoi.channels.models import WebPostPriority, ZaloAccount, ZaloAccountStatus
from caunoi.channels.services import TAG_MAX, web_post_publish
from caunoi.citizens.models import Citizen, ConsentPurpose
from caunoi.core.errors import InvalidState, PermissionDenied, ValidationFailed
from caunoi.core.permissions import Capability, Viewer
from caunoi.core.queue import enqueue_on_commit
from caunoi.core.services import audit_record
from caunoi.core.text import nfc
from caunoi.geo.models import Unit, UnitLevel
from caunoi.opinion.models import Survey, SurveyStatus

TITLE_MAX = 200
DEFAULT_FALLBACK = [
    ChannelKind.ZALO.value,
    ChannelKind.ZNS.value,
    ChannelKind.SMS.value,
    ChannelKind.EMAIL.value,
]


def _viewer(actor: Any) -> Viewer:
    if isinstance(actor, Viewer):
        return actor
    from caunoi.accounts.selectors import viewer_for_user

    return viewer_for_user(actor)


def _user(actor: Any) -> Any:
    if isinstance(actor, Viewer):
        return actor.user
    return actor if getattr(actor, "is_authenticated", False) else None


def _same_person(actor: Any, user: Any) -> bool:
    who = _user(actor)
    return who is not None and user is not None and who.pk == user.pk


def _require(actor: Any, capability: Capability, unit: Unit) -> None:
    if not _viewer(actor).covers(capability, unit):
        raise PermissionDenied(_("You cannot do this for %(unit)s.") % {"unit": unit.name})


def _languages() -> dict[str, str]:
    return dict(settings.CAUNOI_CONTENT_LANGUAGES)


def _clean_channels(
    channels: Iterable[str], fallback_order: Iterable[str] | None
) -> tuple[list[str], list[str]]:
    chosen = list(dict.fromkeys(channels))
    unknown = [c for c in chosen if c not in CHANNEL_LABELS]
    if unknown or not chosen:
        raise ValidationFailed(_("Choose at least one channel."), field="channels")
    order = [c for c in dict.fromkeys(fallback_order or DEFAULT_FALLBACK) if c in PERSONAL]
    order += [c for c in chosen if c in PERSONAL and c not in order]
    return chosen, order


def _clean_targets(actor: Any, targets: Iterable[Unit], capability: Capability) -> list[Unit]:
    units = list(dict.fromkeys(targets))
    if not units:
        raise ValidationFailed(_("Choose at least one province, commune or village."), field="target_units")
    viewer = _viewer(actor)
    for unit in units:
        if not viewer.covers(capability, unit):
            raise ValidationFailed(
                _("%(unit)s is outside your area.") % {"unit": unit.name}, field="target_units"
            )
    return units


def _clean_title(title: str) -> str:
    title = " ".join(nfc(title).split())
    if not title:
        raise ValidationFailed(_("Write a title."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}, field="title")
    return title


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in nfc(text).replace("\r\n", "\n").split("\n")).strip()


def _check_renditions(zalo_text: str, body: str) -> None:
    if len(zalo_text or body) > ZALO_TEXT_MAX:
        raise ValidationFailed(
            _("A Zalo message holds at most %(n)d characters; shorten it or write a Zalo version.")
            % {"n": ZALO_TEXT_MAX},
            field="zalo_text",
        )


# Campaigns -------------------------------------------------------------------------------------------


def campaign_create(
    *,
    unit: Unit,
    title: str,
    body: str,
    channels: Iterable[str],
    target_units: Iterable[Unit],
    actor: Any,
    fallback_order: Iterable[str] | None = None,
    segment: Segment | None = None,
    languages: Iterable[str] = (),
    sms_unaccented: bool = False,
    scheduled_at: dt.datetime | None = None,
    recurrence: str = Recurrence.NONE,
    zalo_text: str = "",
    sms_text: str = "",
    email_html: str = "",
    loudspeaker_script: str = "",
    zns_template_id: str = "",
    zns_params: Mapping[str, str] | None = None,
    survey: Survey | None = None,
) -> Campaign:
    """Soạn chiến dịch: a draft announcement with its Vietnamese text; nothing is sent yet."""
    _require(actor, Capability.WRITE_CAMPAIGNS, unit)
    chosen, order = _clean_channels(channels, fallback_order)
    targets = _clean_targets(actor, target_units, Capability.WRITE_CAMPAIGNS)
    title = _clean_title(title)
    body = _clean_text(body)
    if not body:
        raise ValidationFailed(_("Write the announcement."), field="body")
    _check_renditions(zalo_text, body)
    wanted = [code for code in languages if code]
    if any(code not in _languages() for code in wanted):
        raise ValidationFailed(_("Unknown language."), field="languages")
    if recurrence not in Recurrence.values:
        raise ValidationFailed(_("Unknown repetition."), field="recurrence")
    _check_survey(survey, unit)
    zns_template_id, zns_values = _check_zns(zns_template_id, zns_params, CampaignKind.ANNOUNCEMENT)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            kind=CampaignKind.ANNOUNCEMENT,
            unit=unit,
            title=title,
            channels=chosen,
            fallback_order=order,
            policy=DeliveryPolicy.AT_MOST_ONCE,
            priority=Priority.NORMAL,
            segment=segment,
            languages=wanted,
            sms_unaccented=sms_unaccented,
            scheduled_at=scheduled_at,
            recurrence=recurrence,
            zns_template_id=zns_template_id,
            zns_params=zns_values,
            survey=survey,
            author=_user(actor),
        )
        campaign.target_units.set(targets)
        ContentVariant.objects.create(
            campaign=campaign,
            language="vi",
            title=title,
            body=body,
            zalo_text=_clean_text(zalo_text),
            sms_text=_clean_text(sms_text),
            email_html=email_html.strip(),
            loudspeaker_script=_clean_text(loudspeaker_script),
            state=VariantState.DRAFT,
        )
        audit_record(
            actor=actor,
            action="campaign.create",
            obj=campaign,
            unit=unit,
            after={"channels": chosen, "targets": [u.code for u in targets]},
        )
    return campaign


def _check_zns(template_id: str, params: Mapping[str, str] | None, kind: str) -> tuple[str, dict[str, str]]:
    """A ZNS template, if any, must be registered, fit the recipients' consent and get every value."""
    template_id = template_id.strip()
    if not template_id:
        return "", {}
    return template_id, zns.params_clean(template_id=template_id, params=params or {}, kind=kind)


def _check_survey(survey: Survey | None, unit: Unit) -> Survey | None:
    """A campaign may carry an open survey of its own unit or of a unit above it."""
    if survey is None:
        return None
    if survey.status != SurveyStatus.OPEN:
        raise ValidationFailed(_("Only an open survey can be sent."), field="survey")
    if not unit.path.startswith(survey.unit.path):
        raise ValidationFailed(_("The survey belongs to another unit."), field="survey")
    return survey


def campaign_update(
    *,
    campaign: Campaign,
    actor: Any,
    title: str,
    channels: Iterable[str],
    target_units: Iterable[Unit],
    fallback_order: Iterable[str] | None = None,
    segment: Segment | None = None,
    languages: Iterable[str] = (),
    sms_unaccented: bool = False,
    scheduled_at: dt.datetime | None = None,
    recurrence: str = Recurrence.NONE,
    survey: Survey | None = None,
    zns_template_id: str = "",
    zns_params: Mapping[str, str] | None = None,
) -> Campaign:
    """Sửa chiến dịch: only a draft or a returned campaign changes; the text lives in its variants."""
    _require(actor, Capability.WRITE_CAMPAIGNS, campaign.unit)
    if not campaign.editable:
        raise InvalidState(_("Only a draft or a returned campaign can be changed."))
    chosen, order = _clean_channels(channels, fallback_order)
    targets = _clean_targets(
        actor, target_units, Capability.RELEASE_ALERTS if campaign.is_alert else Capability.WRITE_CAMPAIGNS
    )
    zns_template_id, zns_values = _check_zns(zns_template_id, zns_params, campaign.kind)
    with transaction.atomic():
        campaign.title = _clean_title(title)
        campaign.channels, campaign.fallback_order = chosen, order
        campaign.segment = segment
        campaign.languages = [code for code in languages if code]
        campaign.sms_unaccented = sms_unaccented
        campaign.scheduled_at = scheduled_at
        campaign.recurrence = recurrence
        campaign.survey = _check_survey(survey, campaign.unit)
        campaign.zns_template_id, campaign.zns_params = zns_template_id, zns_values
        campaign.save()
        campaign.target_units.set(targets)
        audit_record(actor=actor, action="campaign.update", obj=campaign, unit=campaign.unit)
    return campaign


def variant_save(
    *,
    campaign: Campaign,
    language: str,
    actor: Any,
    title: str = "",
    body: str = "",
    zalo_text: str = "",
    sms_text: str = "",
    email_html: str = "",
    loudspeaker_script: str = "",
) -> ContentVariant:
    """Viết một bản ngôn ngữ. The Vietnamese source changes only while the campaign is a draft; a
    translation changes until it is approved (its translator or any writer of the unit)."""
    if language not in _languages():
        raise ValidationFailed(_("Unknown language."), field="language")
    variant = ContentVariant.objects.filter(campaign=campaign, language=language).first()
    is_translator = variant is not None and _same_person(actor, variant.translator)
    if not is_translator:
        _require(actor, Capability.WRITE_CAMPAIGNS, campaign.unit)
    if language == "vi" and not campaign.editable:
        raise InvalidState(_("Only a draft or a returned campaign can be changed."))
    if (
        variant is not None
        and variant.state in (VariantState.SUBMITTED, VariantState.APPROVED)
        and language != "vi"
    ):
        raise InvalidState(_("This translation was submitted; return it before changing it."))
    body = _clean_text(body)
    if language == "vi" and not body:
        raise ValidationFailed(_("Write the announcement."), field="body")
    _check_renditions(zalo_text, body)
    with transaction.atomic():
        variant, created = ContentVariant.objects.update_or_create(
            campaign=campaign,
            language=language,
            defaults={
                "title": " ".join(nfc(title).split())[:TITLE_MAX],
                "body": body,
                "zalo_text": _clean_text(zalo_text),
                "sms_text": _clean_text(sms_text),
                "email_html": email_html.strip(),
                "loudspeaker_script": _clean_text(loudspeaker_script),
            },
        )
        audit_record(
            actor=actor,
            action="campaign.variant_save",
            obj=campaign,
            unit=campaign.unit,
            after={"language": language, "created": created},
        )
    return variant


def variant_assign(*, campaign: Campaign, language: str, translator: Any, actor: Any) -> ContentVariant:
    """Giao dịch: ask a colleague to translate the text into one language."""
    _require(actor, Capability.WRITE_CAMPAIGNS, campaign.unit)
    if language == "vi" or language not in _languages():
        raise ValidationFailed(_("Choose a language other than Vietnamese."), field="language")
    if campaign.state in (CampaignState.COMPLETED, CampaignState.CANCELLED):
        raise InvalidState(_("This campaign is closed."))
    with transaction.atomic():
        variant, _created = ContentVariant.objects.get_or_create(campaign=campaign, language=language)
        if variant.state == VariantState.APPROVED:
            raise InvalidState(_("This translation is already approved."))
        variant.translator = translator
        variant.state = VariantState.ASSIGNED
        variant.save(update_fields=["translator", "state", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.variant_assign",
            obj=campaign,
            unit=campaign.unit,
            after={"language": language, "translator": getattr(translator, "username", "")},
        )
    return variant


def variant_submit(*, variant: ContentVariant, actor: Any) -> ContentVariant:
    """Nộp bản dịch for review."""
    campaign = variant.campaign
    if not _same_person(actor, variant.translator):
        _require(actor, Capability.WRITE_CAMPAIGNS, campaign.unit)
    if variant.language == "vi":
        raise InvalidState(_("The Vietnamese text is approved with the campaign."))
    if variant.state not in (VariantState.DRAFT, VariantState.ASSIGNED):
        raise InvalidState(_("This translation is not open for changes."))
    if not variant.body.strip():
        raise ValidationFailed(_("Write the translation first."), field="body")
    with transaction.atomic():
        variant.state = VariantState.SUBMITTED
        if variant.translator_id is None:
            variant.translator = _user(actor)
        variant.save(update_fields=["state", "translator", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.variant_submit",
            obj=campaign,
            unit=campaign.unit,
            after={"language": variant.language},
        )
    return variant


def variant_review(
    *, variant: ContentVariant, approve: bool, actor: Any, comment: str = ""
) -> ContentVariant:
    """Duyệt bản dịch: a reviewer who did not translate it approves it, or returns it with comments."""
    campaign = variant.campaign
    viewer = _viewer(actor)
    if not (
        viewer.covers(Capability.APPROVE_CAMPAIGNS, campaign.unit)
        or viewer.covers(Capability.WRITE_CAMPAIGNS, campaign.unit)
    ):
        raise PermissionDenied(_("You cannot review translations for this unit."))
    if variant.state != VariantState.SUBMITTED:
        raise InvalidState(_("Only a submitted translation can be reviewed."))
    if _same_person(actor, variant.translator):
        raise PermissionDenied(_("A translation is reviewed by someone other than its translator."))
    if not approve and not comment.strip():
        raise ValidationFailed(_("Say what should change."), field="comment")
    with transaction.atomic():
        variant.reviewed_by = _user(actor)
        variant.review_comment = comment.strip()
        if approve:
            variant.state, variant.approved_at = VariantState.APPROVED, timezone.now()
        else:
            variant.state = VariantState.ASSIGNED
        variant.save()
        audit_record(
            actor=actor,
            action="campaign.variant_approve" if approve else "campaign.variant_return",
            obj=campaign,
            unit=campaign.unit,
            after={"language": variant.language},
        )
    return variant


def campaign_submit(*, campaign: Campaign, actor: Any) -> Campaign:
    """Gửi duyệt: hand a draft to an approver."""
    _require(actor, Capability.WRITE_CAMPAIGNS, campaign.unit)
    if not campaign.editable:
        raise InvalidState(_("Only a draft or a returned campaign can be submitted."))
    source = campaign.variants.filter(language="vi").first()
    if source is None or not source.body.strip():
        raise ValidationFailed(_("Write the Vietnamese text first."), field="body")
    if not campaign.target_units.exists():
        raise ValidationFailed(_("Choose at least one province, commune or village."), field="target_units")
    with transaction.atomic():
        before = campaign.state
        campaign.state, campaign.submitted_at = CampaignState.SUBMITTED, timezone.now()
        campaign.save(update_fields=["state", "submitted_at", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.submit",
            obj=campaign,
            unit=campaign.unit,
            before={"state": before},
            after={"state": campaign.state},
        )
    return campaign


def _check_approver(campaign: Campaign, actor: Any) -> None:
    _require(actor, Capability.APPROVE_CAMPAIGNS, campaign.unit)
    if _same_person(actor, campaign.author):
        raise PermissionDenied(_("A campaign is approved by someone other than its author."))


def campaign_approve(*, campaign: Campaign, actor: Any) -> Campaign:
    """Phê duyệt (four eyes): the Vietnamese text is approved with the campaign."""
    _check_approver(campaign, actor)
    if campaign.state != CampaignState.SUBMITTED:
        raise InvalidState(_("Only a campaign awaiting approval can be approved."))
    with transaction.atomic():
        campaign.state = CampaignState.APPROVED
        campaign.approved_by, campaign.approved_at = _user(actor), timezone.now()
        campaign.return_comment = ""
        campaign.save(update_fields=["state", "approved_by", "approved_at", "return_comment", "updated_at"])
        campaign.variants.filter(language="vi").update(
            state=VariantState.APPROVED, approved_at=campaign.approved_at, reviewed_by=campaign.approved_by
        )
        audit_record(
            actor=actor,
            action="campaign.approve",
            obj=campaign,
            unit=campaign.unit,
            before={"state": CampaignState.SUBMITTED},
            after={"state": campaign.state},
        )
    return campaign


def campaign_return(*, campaign: Campaign, comment: str, actor: Any) -> Campaign:
    """Trả lại với góp ý: back to the author, who changes it and submits again."""
    _check_approver(campaign, actor)
    if campaign.state != CampaignState.SUBMITTED:
        raise InvalidState(_("Only a campaign awaiting approval can be returned."))
    comment = comment.strip()
    if not comment:
        raise ValidationFailed(_("Say what should change."), field="comment")
    with transaction.atomic():
        campaign.state, campaign.return_comment = CampaignState.RETURNED, comment
        campaign.save(update_fields=["state", "return_comment", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.return",
            obj=campaign,
            unit=campaign.unit,
            before={"state": CampaignState.SUBMITTED},
            after={"state": campaign.state, "comment": comment[:200]},
        )
    return campaign


def _start(campaign: Campaign) -> None:
    from caunoi.campaigns.tasks import campaign_start_task, task_priority

    enqueue_on_commit(campaign_start_task, campaign.pk, priority=task_priority(campaign))


def campaign_launch(*, campaign: Campaign, actor: Any) -> Campaign:
    """Phát hành: an approved campaign is sent now, or at its scheduled time."""
    viewer = _viewer(actor)
    if not (
        viewer.covers(Capability.WRITE_CAMPAIGNS, campaign.unit)
        or viewer.covers(Capability.APPROVE_CAMPAIGNS, campaign.unit)
    ):
        raise PermissionDenied(_("You cannot send campaigns for this unit."))
    if campaign.state != CampaignState.APPROVED:
        raise InvalidState(_("Only an approved campaign can be sent."))
    at = campaign.scheduled_at
    later = at is not None and at > timezone.now()
    with transaction.atomic():
        campaign.state = CampaignState.SCHEDULED if later else CampaignState.SENDING
        campaign.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.launch",
            obj=campaign,
            unit=campaign.unit,
            after={"state": campaign.state, "at": at.isoformat() if at is not None and later else "now"},
        )
        if not later:
            _start(campaign)
    return campaign


def campaigns_start_due(*, now: dt.datetime | None = None) -> int:
    """Scheduled campaigns whose time has come start sending (the periodic tick calls this)."""
    now = now or timezone.now()
    started = 0
    for campaign in Campaign.objects.filter(state=CampaignState.SCHEDULED, scheduled_at__lte=now):
        with transaction.atomic():
            if not Campaign.objects.filter(pk=campaign.pk, state=CampaignState.SCHEDULED).update(
                state=CampaignState.SENDING
            ):
                continue
            campaign.state = CampaignState.SENDING
            audit_record(actor=None, action="campaign.start_scheduled", obj=campaign, unit=campaign.unit)
            _start(campaign)
            started += 1
    return started


def campaign_pause(*, campaign: Campaign, actor: Any) -> Campaign:
    """Tạm dừng: senders hand back what they claimed; nothing more leaves until resumed."""
    _require_operator(campaign, actor)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state not in (CampaignState.SENDING, CampaignState.SCHEDULED):
            raise InvalidState(_("Only a campaign that is sending or scheduled can be paused."))
        before = locked.state
        locked.state = CampaignState.PAUSED
        locked.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.pause",
            obj=locked,
            unit=locked.unit,
            before={"state": before},
            after={"state": locked.state},
        )
    campaign.refresh_from_db()
    return campaign


def campaign_resume(*, campaign: Campaign, actor: Any) -> Campaign:
    """Tiếp tục: also lifts the pauses the engine put on channels (after the quota was topped up)."""
    _require_operator(campaign, actor)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state not in (CampaignState.PAUSED, CampaignState.SENDING):
            raise InvalidState(_("Only a paused campaign can be resumed."))
        lifted = sorted(locked.channel_pauses)
        locked.state, locked.channel_pauses = CampaignState.SENDING, {}
        locked.save(update_fields=["state", "channel_pauses", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.resume",
            obj=locked,
            unit=locked.unit,
            after={"state": locked.state, "channels_resumed": lifted},
        )
        _start(locked)
    campaign.refresh_from_db()
    return campaign


def campaign_cancel(*, campaign: Campaign, actor: Any) -> int:
    """Huỷ: nothing leaves after this returns. Queued rows are cancelled at once; rows a sender holds
    are handed back by it before its next message, and this waits for that (bounded) before answering.
    Returns how many deliveries were cancelled."""
    _require_operator(campaign, actor)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state in (CampaignState.COMPLETED, CampaignState.CANCELLED):
            raise InvalidState(_("This campaign has already ended."))
        before = locked.state
        locked.state, locked.cancelled_at = CampaignState.CANCELLED, timezone.now()
        locked.save(update_fields=["state", "cancelled_at", "updated_at"])
        cancelled = 0
        for channel in sorted({*locked.channels, *locked.fallback_order}):
            queued = Delivery.objects.filter(campaign=locked, channel=channel, status=DeliveryStatus.QUEUED)
            n = queued.update(status=DeliveryStatus.CANCELLED, finished_at=locked.cancelled_at)
            counts.move(locked.pk, channel, DeliveryStatus.QUEUED, DeliveryStatus.CANCELLED, n)
            cancelled += n
        audit_record(
            actor=actor,
            action="campaign.cancel",
            obj=locked,
            unit=locked.unit,
            before={"state": before},
            after={"state": locked.state, "cancelled": cancelled},
        )
    deadline = time.monotonic() + conf.cancel_wait_seconds()
    while counts.in_status(campaign, DeliveryStatus.SENDING) > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    campaign.refresh_from_db()
    return counts.in_status(campaign, DeliveryStatus.CANCELLED)


def _require_operator(campaign: Campaign, actor: Any) -> None:
    viewer = _viewer(actor)
    capabilities = (
        (Capability.RELEASE_ALERTS,)
        if campaign.is_alert
        else (Capability.WRITE_CAMPAIGNS, Capability.APPROVE_CAMPAIGNS)
    )
    if not any(viewer.covers(c, campaign.unit) for c in capabilities):
        raise PermissionDenied(_("You cannot operate this campaign."))


def campaign_publish_units(*, campaign: Campaign) -> int:
    """Web page and loudspeaker: one public announcement per targeted commune (or province) and per
    approved language; the loudspeaker item is the Vietnamese one, spoken. Runs in the worker; a
    second run publishes nothing twice."""
    wanted = set(campaign.channels) & {c.value for c in UNIT_CHANNELS}
    if not wanted:
        return 0
    units: dict[int, Unit] = {}
    for unit in campaign.target_units.select_related("parent"):
        chosen = unit.parent if unit.level == UnitLevel.VILLAGE and unit.parent else unit
        if chosen is not None and chosen.level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE):
            units[chosen.pk] = chosen
    variants = [v for v in campaign.variants.all() if v.language == "vi" or v.state == VariantState.APPROVED]
    priority = {
        Priority.NORMAL: WebPostPriority.NORMAL,
        Priority.PRIORITY: WebPostPriority.PRIORITY,
        Priority.EMERGENCY: WebPostPriority.EMERGENCY,
    }[Priority(campaign.priority)]
    done = {(p.unit_id, p.language) for p in UnitPublication.objects.filter(campaign=campaign)}
    published = 0
    for unit in units.values():
        for variant in variants:
            if (unit.pk, variant.language) in done:
                continue
            with_audio = ChannelKind.LOUDSPEAKER in wanted and variant.language == "vi"
            if ChannelKind.WEB not in wanted and not with_audio:
                continue
            body = variant.loudspeaker_script if with_audio and variant.loudspeaker_script else variant.body
            try:
                with transaction.atomic():
                    post = web_post_publish(
                        unit=unit,
                        title=variant.title or campaign.title,
                        body=body,
                        language=variant.language,
                        priority=priority,
                        actor=None,
                        with_audio=with_audio,
                    )
                    UnitPublication.objects.create(
                        campaign=campaign,
                        unit=unit,
                        language=variant.language,
                        web_post=post,
                        with_audio=with_audio,
                        published_at=post.published_at,
                    )
            except IntegrityError:
                continue  # another worker published it a moment ago
            published += 1
    return published


def campaign_start(*, campaign: Campaign) -> int:
    """Điểm xuất phát in the worker: the outbox filled in one statement, the unit channels published.

    Returns how many deliveries were added (0 when a previous run already filled them).
    """
    if campaign.state != CampaignState.SENDING:
        return 0
    added = audience.deliveries_insert(campaign)
    with transaction.atomic():
        first = Campaign.objects.filter(pk=campaign.pk, started_at__isnull=True).update(
            started_at=timezone.now()
        )
        if first:
            audit_record(
                actor=None,
                action="campaign.start",
                obj=campaign,
                unit=campaign.unit,
                after={"deliveries": added},
            )
    campaign_publish_units(campaign=campaign)
    return added


def campaign_recur(*, campaign: Campaign) -> Campaign | None:
    """Bản tin định kỳ: the next week's copy of a completed weekly bulletin, already approved (the same
    text and audience the approver signed off), scheduled seven days after this one."""
    if campaign.recurrence != Recurrence.WEEKLY or campaign.state != CampaignState.COMPLETED:
        return None
    if campaign.occurrences.exists():
        return None
    base = campaign.scheduled_at or campaign.started_at or timezone.now()
    with transaction.atomic():
        following = Campaign.objects.create(
            kind=campaign.kind,
            unit=campaign.unit,
            title=campaign.title,
            state=CampaignState.SCHEDULED,
            channels=campaign.channels,
            fallback_order=campaign.fallback_order,
            policy=campaign.policy,
            priority=campaign.priority,
            segment=campaign.segment,
            languages=campaign.languages,
            sms_unaccented=campaign.sms_unaccented,
            zns_template_id=campaign.zns_template_id,
            zns_params=campaign.zns_params,
            scheduled_at=base + dt.timedelta(days=7),
            recurrence=campaign.recurrence,
            recurrence_of=campaign,
            author=campaign.author,
            approved_by=campaign.approved_by,
            approved_at=campaign.approved_at,
        )
        following.target_units.set(campaign.target_units.all())
        for variant in campaign.variants.all():
            variant.pk = None
            variant.campaign = following
            variant.save()
        audit_record(
            actor=None,
            action="campaign.recur",
            obj=following,
            unit=following.unit,
            after={
                "of": campaign.pk,
                "at": following.scheduled_at.isoformat() if following.scheduled_at else "",
            },
        )
    return following


# Segments --------------------------------------------------------------------------------------------


def segment_create(
    *,
    unit: Unit,
    name: str,
    actor: Any,
    members: Iterable[Citizen] = (),
    rule_units: Iterable[Unit] = (),
    rule_consent: str = "",
    rule_language: str = "",
) -> Segment:
    """Nhóm người nhận: a fixed list (``members``) or a rule; members come from the author's area."""
    _require(actor, Capability.WRITE_CAMPAIGNS, unit)
    name = " ".join(nfc(name).split())
    if not name:
        raise ValidationFailed(_("Name the segment."), field="name")
    if rule_consent and rule_consent not in ConsentPurpose.values:
        raise ValidationFailed(_("Unknown consent purpose."), field="rule_consent")
    if rule_language and rule_language not in _languages():
        raise ValidationFailed(_("Unknown language."), field="rule_language")
    people = list(members)
    viewer = _viewer(actor)
    if any(not viewer.covers(Capability.WRITE_CAMPAIGNS, c.home_unit) for c in people):
        raise ValidationFailed(_("Some citizens are outside your area."), field="members")
    targets = _clean_targets(actor, rule_units, Capability.WRITE_CAMPAIGNS) if rule_units else []
    with transaction.atomic():
        segment = Segment.objects.create(
            unit=unit,
            name=name,
            is_static=bool(people),
            rule_consent=rule_consent,
            rule_language=rule_language,
            created_by=_user(actor),
        )
        segment.members.set(people)
        segment.rule_units.set(targets)
        audit_record(
            actor=actor, action="segment.create", obj=segment, unit=unit, after={"members": len(people)}
        )
        transaction.on_commit(lambda: segment_tags_sync(segment=segment))
    return segment


def segment_tags_sync(*, segment: Segment) -> int:
    """Nhãn Zalo: queue, for each connected OA serving the segment's unit, a sync of the OA tag named
    after the segment to its current members. Returns how many OAs were queued."""
    from caunoi.campaigns.audience import segment_filter
    from caunoi.channels.tasks import zalo_tag_sync_task

    citizen_ids = list(segment_filter(Citizen.objects.present(), segment).values_list("pk", flat=True))
    queued = 0
    for account in ZaloAccount.objects.filter(status=ZaloAccountStatus.CONNECTED).select_related("unit"):
        if segment.unit.path.startswith(account.unit.path):
            zalo_tag_sync_task(account.pk, segment.name[:TAG_MAX], citizen_ids)
            queued += 1
    return queued


# Emergency alerts ------------------------------------------------------------------------------------


def alert_template_create(
    *,
    unit: Unit,
    name: str,
    title: str,
    body: str,
    actor: Any,
    sms_text: str = "",
    pre_approved: bool = False,
) -> AlertTemplate:
    """Mẫu cảnh báo: marking one pre-approved needs the approval right (it stands in for a second person)."""
    _require(actor, Capability.RELEASE_ALERTS, unit)
    if pre_approved:
        _require(actor, Capability.APPROVE_CAMPAIGNS, unit)
    title = _clean_title(title)
    body = _clean_text(body)
    if not body or not name.strip():
        raise ValidationFailed(_("Name the template and write its text."), field="body")
    _check_renditions("", body)
    with transaction.atomic():
        template = AlertTemplate.objects.create(
            unit=unit,
            name=name.strip(),
            title=title,
            body=body,
            sms_text=_clean_text(sms_text),
            pre_approved=pre_approved,
            created_by=_user(actor),
        )
        audit_record(
            actor=actor,
            action="alert_template.create",
            obj=template,
            unit=unit,
            after={"pre_approved": pre_approved},
        )
    return template


ALERT_CHANNELS = [c.value for c in ChannelKind]


def alert_create(
    *,
    template: AlertTemplate,
    units: Iterable[Unit],
    actor: Any,
    note: str = "",
    channels: Iterable[str] | None = None,
) -> Campaign:
    """Soạn cảnh báo khẩn cấp from a template for the affected communes; ``note`` adds local detail."""
    _require(actor, Capability.RELEASE_ALERTS, template.unit)
    targets = _clean_targets(actor, units, Capability.RELEASE_ALERTS)
    chosen, order = _clean_channels(channels or ALERT_CHANNELS, DEFAULT_FALLBACK)
    body = template.body + (f"\n\n{_clean_text(note)}" if note.strip() else "")
    _check_renditions("", body)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            kind=CampaignKind.ALERT,
            unit=template.unit,
            title=template.title,
            channels=chosen,
            fallback_order=order,
            policy=DeliveryPolicy.AT_LEAST_ONCE,
            priority=Priority.EMERGENCY,
            template=template,
            author=_user(actor),
        )
        campaign.target_units.set(targets)
        ContentVariant.objects.create(
            campaign=campaign,
            language="vi",
            title=template.title,
            body=body,
            sms_text=template.sms_text,
            state=VariantState.APPROVED if template.pre_approved else VariantState.DRAFT,
        )
        audit_record(
            actor=actor,
            action="alert.create",
            obj=campaign,
            unit=campaign.unit,
            after={"template": template.pk, "targets": [u.code for u in targets]},
        )
    return campaign


def _release(campaign: Campaign, actor: Any, action: str) -> None:
    now = timezone.now()
    campaign.state = CampaignState.SENDING
    campaign.approved_by = _user(actor)
    campaign.approved_at = campaign.released_at = now
    if campaign.released_by is None:
        campaign.released_by = _user(actor)
    campaign.save()
    campaign.variants.filter(language="vi").update(state=VariantState.APPROVED, approved_at=now)
    audit_record(
        actor=actor, action=action, obj=campaign, unit=campaign.unit, after={"state": campaign.state}
    )
    _start(campaign)


def alert_release(*, campaign: Campaign, actor: Any) -> Campaign:
    """Phát cảnh báo. From a pre-approved template (where the setting allows) it goes at once;
    otherwise it waits for a second person to confirm."""
    _require(actor, Capability.RELEASE_ALERTS, campaign.unit)
    if not campaign.is_alert or campaign.state not in (CampaignState.DRAFT, CampaignState.RETURNED):
        raise InvalidState(_("Only a prepared alert can be released."))
    one_person = (
        campaign.template is not None
        and campaign.template.pre_approved
        and conf.alert_one_person_for_preapproved()
    )
    with transaction.atomic():
        if one_person:
            campaign.released_by = _user(actor)
            _release(campaign, actor, "alert.release")
        else:
            campaign.state, campaign.submitted_at = CampaignState.SUBMITTED, timezone.now()
            campaign.released_by = _user(actor)
            campaign.save(update_fields=["state", "submitted_at", "released_by", "updated_at"])
            audit_record(actor=actor, action="alert.release_request", obj=campaign, unit=campaign.unit)
    return campaign


def alert_confirm(*, campaign: Campaign, actor: Any) -> Campaign:
    """Xác nhận phát: the second person; never the one who asked for the release."""
    _require(actor, Capability.RELEASE_ALERTS, campaign.unit)
    if not campaign.is_alert or campaign.state != CampaignState.SUBMITTED:
        raise InvalidState(_("This alert is not waiting for a confirmation."))
    if _same_person(actor, campaign.released_by) or _same_person(actor, campaign.author):
        raise PermissionDenied(_("The release is confirmed by a second person."))
    with transaction.atomic():
        _release(campaign, actor, "alert.confirm")
    return campaign


def alert_stand_down(*, campaign: Campaign, text: str, actor: Any) -> Campaign:
    """Dỡ bỏ cảnh báo: closes the alert (the SOS queue with it) and sends the all-clear to the same
    communes on the same channels, at once — an all-clear needs no second person."""
    _require(actor, Capability.RELEASE_ALERTS, campaign.unit)
    if not campaign.is_alert or campaign.released_at is None or campaign.stood_down_at is not None:
        raise InvalidState(_("Only a released alert can be stood down."))
    if campaign.stand_down_of_id is not None:
        raise InvalidState(_("An all-clear cannot itself be stood down."))
    text = _clean_text(text)
    if not text:
        raise ValidationFailed(_("Write the all-clear message."), field="text")
    _check_renditions("", text)
    now = timezone.now()
    with transaction.atomic():
        campaign.stood_down_at = now
        campaign.save(update_fields=["stood_down_at", "updated_at"])
        all_clear = Campaign.objects.create(
            kind=CampaignKind.ALERT,
            unit=campaign.unit,
            title=_("All clear: %(title)s") % {"title": campaign.title},
            channels=campaign.channels,
            fallback_order=campaign.fallback_order,
            policy=DeliveryPolicy.AT_LEAST_ONCE,
            priority=Priority.PRIORITY,
            stand_down_of=campaign,
            author=_user(actor),
            released_by=_user(actor),
            stood_down_at=now,
        )
        all_clear.target_units.set(campaign.target_units.all())
        ContentVariant.objects.create(
            campaign=all_clear, language="vi", title=all_clear.title, body=text, state=VariantState.APPROVED
        )
        audit_record(actor=actor, action="alert.stand_down", obj=campaign, unit=campaign.unit)
        _release(all_clear, actor, "alert.all_clear")
    return all_clear
