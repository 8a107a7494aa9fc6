"""The ``/api/v1/campaigns`` operations: create, submit, approve, launch, pause, resume, cancel, progress.

Errors are ``application/problem+json`` through the shared handlers; a campaign outside the caller's
area is "not found", like a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from caunoi.campaigns import selectors, services
from caunoi.campaigns.models import Campaign
from caunoi.core.errors import NotFound, ValidationFailed
from caunoi.core.permissions import Capability, Viewer, viewer_of
from caunoi.geo.models import Unit

router = Router(tags=["campaigns"])


class CampaignIn(Schema):
    unit_code: str = Field(..., max_length=32, description="the unit that sends it")
    title: str = Field(..., max_length=200)
    body: str = Field(..., min_length=1, max_length=20000)
    channels: list[str] = Field(..., min_length=1)
    target_unit_codes: list[str] = Field(..., min_length=1)
    fallback_order: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    sms_unaccented: bool = False
    scheduled_at: dt.datetime | None = None
    zalo_text: str = Field("", max_length=2000)
    sms_text: str = Field("", max_length=1000)
    zns_template_id: str = Field("", max_length=32, description="a ZNS template registered for news")
    zns_params: dict[str, str] = Field(
        default_factory=dict,
        description="template parameter → text; {name}, {commune} and {reference} are each resident's",
    )


class ReturnIn(Schema):
    comment: str = Field(..., min_length=1, max_length=2000)


class ChannelProgressOut(Schema):
    channel: str
    total: int
    sent: int
    failed: int
    pending: int
    unknown: int
    cancelled: int
    paused_reason: str


class CampaignOut(Schema):
    id: int
    kind: str
    title: str
    state: str
    unit_code: str
    channels: list[str]
    fallback_order: list[str]
    policy: str
    scheduled_at: str | None
    approved_by: str | None


class ProgressOut(Schema):
    state: str
    total: int
    sent: int
    failed: int
    pending: int
    unknown: int
    cancelled: int
    channels: list[ChannelProgressOut]


def _require(viewer: Viewer, capability: Capability) -> None:
    if not viewer.can(capability):
        raise NotFound()


def _actor(request: HttpRequest) -> Any:
    viewer = viewer_of(request)
    return viewer.user if viewer.user is not None else viewer


def _out(c: Campaign) -> CampaignOut:
    return CampaignOut(
        id=c.pk,
        kind=c.kind,
        title=c.title,
        state=c.state,
        unit_code=c.unit.code,
        channels=c.channels,
        fallback_order=c.fallback_order,
        policy=c.policy,
        scheduled_at=c.scheduled_at.isoformat() if c.scheduled_at else None,
        approved_by=c.approved_by.get_username() if c.approved_by else None,
    )


def _units(viewer: Viewer, codes: list[str], field: str) -> list[Unit]:
    units = list(Unit.objects.filter(viewer.unit_q(Capability.WRITE_CAMPAIGNS), code__in=codes))
    if len(units) != len(set(codes)):
        raise ValidationFailed(_("Unknown unit in your area."), field=field)
    return units


@router.post("", response={201: CampaignOut}, summary="Write a campaign (a draft)")
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Status[CampaignOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.WRITE_CAMPAIGNS)
    unit = _units(viewer, [payload.unit_code], "unit_code")[0]
    campaign = services.campaign_create(
        unit=unit,
        title=payload.title,
        body=payload.body,
        channels=payload.channels,
        target_units=_units(viewer, payload.target_unit_codes, "target_unit_codes"),
        fallback_order=payload.fallback_order or None,
        languages=payload.languages,
        sms_unaccented=payload.sms_unaccented,
        scheduled_at=payload.scheduled_at,
        zalo_text=payload.zalo_text,
        sms_text=payload.sms_text,
        zns_template_id=payload.zns_template_id,
        zns_params=payload.zns_params,
        actor=_actor(request),
    )
    return Status(201, _out(campaign))


@router.get("/{campaign_id}", response=CampaignOut, summary="One campaign")
def campaign_detail(request: HttpRequest, campaign_id: int) -> CampaignOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_CAMPAIGNS)
    return _out(selectors.access_campaign(viewer, campaign_id))


def _act(request: HttpRequest, campaign_id: int, action: Any, **kwargs: Any) -> CampaignOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_CAMPAIGNS)
    campaign = selectors.access_campaign(viewer, campaign_id)
    action(campaign=campaign, actor=_actor(request), **kwargs)
    return _out(selectors.access_campaign(viewer, campaign_id))


@router.post("/{campaign_id}/submit", response=CampaignOut, summary="Submit for approval")
def campaign_submit(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_submit)


@router.post("/{campaign_id}/approve", response=CampaignOut, summary="Approve (never one's own)")
def campaign_approve(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_approve)


@router.post("/{campaign_id}/return", response=CampaignOut, summary="Return to the author with comments")
def campaign_return(request: HttpRequest, campaign_id: int, payload: ReturnIn) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_return, comment=payload.comment)


@router.post("/{campaign_id}/launch", response=CampaignOut, summary="Send now, or at the scheduled time")
def campaign_launch(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_launch)


@router.post("/{campaign_id}/pause", response=CampaignOut, summary="Pause sending")
def campaign_pause(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_pause)


@router.post("/{campaign_id}/resume", response=CampaignOut, summary="Resume sending (and paused channels)")
def campaign_resume(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_resume)


@router.post("/{campaign_id}/cancel", response=CampaignOut, summary="Cancel: nothing leaves after the answer")
def campaign_cancel(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _act(request, campaign_id, services.campaign_cancel)


@router.get("/{campaign_id}/progress", response=ProgressOut, summary="Sent, failed and pending per channel")
def campaign_progress(request: HttpRequest, campaign_id: int) -> ProgressOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_CAMPAIGNS)
    campaign = selectors.access_campaign(viewer, campaign_id)
    p = selectors.campaign_progress(campaign)
    return ProgressOut(
        state=campaign.state,
        total=p.total,
        sent=p.handed_over,
        failed=p.failed,
        pending=p.pending,
        unknown=p.unknown,
        cancelled=p.cancelled,
        channels=[
            ChannelProgressOut(
                channel=c.channel,
                total=c.total,
                sent=c.handed_over,
                failed=c.failed,
                pending=c.pending,
                unknown=c.unknown,
                cancelled=c.cancelled,
                paused_reason=c.paused_reason,
            )
            for c in p.channels
        ],
    )
