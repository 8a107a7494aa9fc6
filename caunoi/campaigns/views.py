from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caunoi.campaigns import audience, charts, selectors, services
from caunoi.campaigns.forms import (
    AlertForm,
    AlertTemplateForm,
    AssignForm,
    CampaignCreateForm,
    CampaignForm,
    CommentForm,
    SegmentForm,
    StandDownForm,
    VariantForm,
)
from caunoi.campaigns.models import (
    CHANNEL_LABELS,
    Campaign,
    CampaignKind,
    CampaignState,
    ContentVariant,
    VariantState,
)
from caunoi.channels.base import ChannelKind
from caunoi.channels.sms import sms_estimate, unaccented
from caunoi.core.access import capability_required
from caunoi.core.errors import ApplicationError
from caunoi.core.permissions import Capability, viewer_of
from caunoi.opinion.selectors import open_surveys
from caunoi.reports.xlsx import Sheet, xlsx_response

ACTIONS = {
    "submit": services.campaign_submit,
    "approve": services.campaign_approve,
    "launch": services.campaign_launch,
    "pause": services.campaign_pause,
    "resume": services.campaign_resume,
    "alert_release": services.alert_release,
    "alert_confirm": services.alert_confirm,
}


def _form_error(form: Any, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _fallback_key(campaign: Campaign) -> str:
    return ",".join(campaign.fallback_order)


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    kind = request.GET.get("kind", "")
    campaigns = selectors.campaign_list(viewer=viewer, kind=kind if kind in CampaignKind.values else "")[:200]
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": campaigns,
            "kind": kind,
            "can_write": viewer.can(Capability.WRITE_CAMPAIGNS),
            "can_alert": viewer.can(Capability.RELEASE_ALERTS),
        },
    )


@capability_required(Capability.WRITE_CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = CampaignCreateForm(
        request.POST or None,
        units=selectors.targetable_units(viewer),
        segments=selectors.segment_list(viewer=viewer),
        surveys=open_surveys(viewer=viewer),
        zns_templates=selectors.zns_templates(),
        initial={"channels": ["zalo", "sms", "web"], "fallback": "zalo,zns,sms,email"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                unit=form.cleaned_data["unit"],
                body=form.cleaned_data["body"],
                actor=request.user,
                **form.service_kwargs(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "creating": True})


@capability_required(Capability.WRITE_CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    campaign = selectors.access_campaign(viewer, campaign_id)
    initial = {
        "unit": campaign.unit,
        "title": campaign.title,
        "target_units": list(campaign.target_units.all()),
        "segment": campaign.segment,
        "languages": campaign.languages,
        "channels": campaign.channels,
        "fallback": _fallback_key(campaign),
        "sms_unaccented": campaign.sms_unaccented,
        "scheduled_at": campaign.scheduled_at,
        "recurrence": campaign.recurrence,
        "zns_template_id": campaign.zns_template_id,
        "zns_params": "\n".join(f"{k} = {v}" for k, v in campaign.zns_params.items()),
    }
    form = CampaignForm(
        request.POST or None,
        initial=initial,
        units=selectors.targetable_units(viewer),
        segments=selectors.segment_list(viewer=viewer),
        surveys=open_surveys(viewer=viewer),
        zns_templates=selectors.zns_templates(),
    )
    form.fields["unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign, "creating": False})


def _sms_preview(campaign: Campaign, variant: ContentVariant) -> dict[str, Any]:
    text = variant.rendition(ChannelKind.SMS)
    sent = unaccented(text) if campaign.sms_unaccented else text
    estimate = sms_estimate(sent)
    folded = sms_estimate(unaccented(text))
    return {"text": sent, "estimate": estimate, "unaccented": folded}


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    campaign = selectors.access_campaign(viewer, campaign_id)
    variants = list(campaign.variants.select_related("translator", "reviewed_by"))
    source = next((v for v in variants if v.language == "vi"), None)
    user = request.user
    is_author = campaign.author_id == getattr(user, "pk", None)
    writer = viewer.covers(Capability.WRITE_CAMPAIGNS, campaign.unit)
    approver = viewer.covers(Capability.APPROVE_CAMPAIGNS, campaign.unit) and not is_author
    releaser = viewer.covers(Capability.RELEASE_ALERTS, campaign.unit)
    staff = selectors.translators(campaign)
    existing = {v.language for v in variants}
    missing = [(c, n) for c, n in settings.CAUNOI_CONTENT_LANGUAGES if c not in existing]
    show_progress = campaign.state in (
        CampaignState.SENDING,
        CampaignState.PAUSED,
        CampaignState.COMPLETED,
        CampaignState.CANCELLED,
    )
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "variants": variants,
            "source": source,
            "missing_languages": missing,
            "sms": _sms_preview(campaign, source) if source else None,
            "zalo_length": len(source.rendition(ChannelKind.ZALO)) if source else 0,
            "targets": campaign.target_units.all(),
            "can_write": writer and campaign.editable,
            "can_translate": writer
            and campaign.state not in (CampaignState.COMPLETED, CampaignState.CANCELLED),
            "can_submit": writer and campaign.editable and not campaign.is_alert,
            "can_approve": approver and campaign.state == CampaignState.SUBMITTED and not campaign.is_alert,
            "can_launch": (writer or approver) and campaign.state == CampaignState.APPROVED,
            "can_operate": (writer or approver or (releaser and campaign.is_alert))
            and campaign.state in (CampaignState.SENDING, CampaignState.SCHEDULED, CampaignState.PAUSED),
            "can_release": releaser and campaign.is_alert and campaign.state == CampaignState.DRAFT,
            "can_confirm": releaser
            and campaign.is_alert
            and campaign.state == CampaignState.SUBMITTED
            and campaign.released_by_id != getattr(user, "pk", None)
            and not is_author,
            "can_stand_down": releaser
            and campaign.is_alert
            and campaign.released_at is not None
            and campaign.stood_down_at is None
            and campaign.stand_down_of_id is None,
            "is_author": is_author,
            "assign_form": AssignForm(staff=staff),
            "comment_form": CommentForm(),
            "stand_down_form": StandDownForm(),
            "channel_labels": campaign.channel_labels(),
            "fallback_labels": [str(CHANNEL_LABELS[c]) for c in campaign.personal_channels],
            "variant_states": VariantState,
            "show_progress": show_progress,
            "progress": selectors.campaign_progress(campaign) if show_progress else None,
            "polling": campaign.state == CampaignState.SENDING,
        },
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
def audience_count(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The live count (htmx partial): who would receive it now, by channel."""
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    count = audience.audience_count(campaign)
    rows = [
        (str(CHANNEL_LABELS[c]), count.by_channel.get(c, 0), count.reachable.get(c))
        for c in campaign.personal_channels
    ]
    source = campaign.variants.filter(language="vi").first()
    sms_cost = None
    if source is not None and count.by_channel.get(ChannelKind.SMS):
        sms_cost = _sms_preview(campaign, source)["estimate"].cost_vnd * count.by_channel[ChannelKind.SMS]
    return render(
        request,
        "campaigns/_audience.html",
        {"count": count, "rows": rows, "campaign": campaign, "sms_cost": sms_cost},
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_progress(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    progress = selectors.campaign_progress(campaign)
    return render(
        request,
        "campaigns/_progress.html",
        {"campaign": campaign, "progress": progress, "polling": campaign.state == CampaignState.SENDING},
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
@require_POST
def campaign_action(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    comment = request.POST.get("comment", "")
    try:
        if action == "return":
            services.campaign_return(campaign=campaign, comment=comment, actor=request.user)
        elif action == "cancel":
            services.campaign_cancel(campaign=campaign, actor=request.user)
        elif action == "stand_down":
            form = StandDownForm(request.POST)
            text = form.data.get("text", "")
            all_clear = services.alert_stand_down(campaign=campaign, text=text, actor=request.user)
            messages.success(request, _("The alert was stood down and the all-clear is being sent."))
            return redirect("campaigns:detail", campaign_id=all_clear.pk)
        elif action in ACTIONS:
            ACTIONS[action](campaign=campaign, actor=request.user)
        else:
            raise ApplicationError(_("Unknown action."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Done: %(state)s.") % {"state": Campaign.objects.get(pk=campaign.pk).get_state_display()},
        )
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@capability_required(Capability.VIEW_CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def variant_edit(request: HttpRequest, campaign_id: int, language: str) -> HttpResponse:
    """Write or translate one language; the services decide who may (writers, the assigned translator)."""
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    variant = campaign.variants.filter(language=language).first()
    initial = {}
    if variant is not None:
        initial = {f: getattr(variant, f) for f in VariantForm.base_fields}
    source = campaign.variants.filter(language="vi").first()
    form = VariantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.variant_save(
                campaign=campaign, language=language, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(
        request,
        "campaigns/variant.html",
        {
            "campaign": campaign,
            "form": form,
            "language": language,
            "language_name": dict(settings.CAUNOI_CONTENT_LANGUAGES).get(language, language),
            "source": source if language != "vi" else None,
        },
    )


@capability_required(Capability.WRITE_CAMPAIGNS)
@require_POST
def variant_assign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    form = AssignForm(request.POST, staff=selectors.translators(campaign))
    if form.is_valid():
        try:
            services.variant_assign(
                campaign=campaign,
                language=form.cleaned_data["language"],
                translator=form.cleaned_data["translator"],
                actor=request.user,
            )
            messages.success(request, _("Translation assigned."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose a language and a translator."))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@capability_required(Capability.VIEW_CAMPAIGNS)
@require_POST
def variant_action(request: HttpRequest, variant_id: int, action: str) -> HttpResponse:
    variant = selectors.access_variant(viewer_of(request), variant_id)
    try:
        if action == "submit":
            services.variant_submit(variant=variant, actor=request.user)
        elif action in ("approve", "return"):
            services.variant_review(
                variant=variant,
                approve=action == "approve",
                comment=request.POST.get("comment", ""),
                actor=request.user,
            )
        else:
            raise ApplicationError(_("Unknown action."))
        messages.success(request, _("Saved."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:detail", campaign_id=variant.campaign_id)


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    results = selectors.campaign_results(campaign)
    return render(
        request,
        "campaigns/results.html",
        {
            "campaign": campaign,
            "results": results,
            "progress": selectors.campaign_progress(campaign),
            "charts": [
                charts.rate_chart(_("By commune"), results.by_unit),
                charts.rate_chart(_("By language"), results.by_language),
                charts.rate_chart(_("By channel"), results.by_channel),
            ],
            "small_cell": selectors.SMALL_CELL,
        },
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
def campaign_results_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    results = selectors.campaign_results(campaign)
    headers = [_("Group"), _("Recipients"), _("Delivered"), _("Seen"), _("Delivery rate"), _("Read rate")]

    def rows(items: list[selectors.RateRow]) -> list[list[Any]]:
        return [
            [r.label, r.total, r.delivered, r.seen, round(r.delivered_rate, 4), round(r.seen_rate, 4)]
            for r in items
            if not r.suppressed
        ]

    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_response(
        [
            Sheet(_("Communes"), headers, rows(results.by_unit)),
            Sheet(_("Languages"), headers, rows(results.by_language)),
            Sheet(_("Channels"), headers, rows(results.by_channel)),
        ],
        f"campaign-{campaign.pk}-{stamp}.xlsx",
    )


@capability_required(Capability.RELEASE_ALERTS)
@require_http_methods(["GET", "POST"])
def alert_create(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = AlertForm(
        request.POST or None,
        templates=selectors.alert_templates(viewer=viewer),
        units=selectors.targetable_units(viewer, Capability.RELEASE_ALERTS),
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.alert_create(
                template=form.cleaned_data["template"],
                units=list(form.cleaned_data["units"]),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/alert_form.html", {"form": form})


@capability_required(Capability.VIEW_CAMPAIGNS)
def alert_report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.access_campaign(viewer_of(request), campaign_id)
    report = selectors.alert_after_action(campaign)
    return render(
        request,
        "campaigns/alert_report.html",
        {
            "campaign": campaign,
            "report": report,
            "charts": [
                charts.rate_chart(_("By commune"), report.results.by_unit),
                charts.rate_chart(_("By channel"), report.results.by_channel),
            ],
        },
    )


@capability_required(Capability.RELEASE_ALERTS)
@require_http_methods(["GET", "POST"])
def alert_templates(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = AlertTemplateForm(
        request.POST or None, units=selectors.targetable_units(viewer, Capability.RELEASE_ALERTS)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_template_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("campaigns:alert_templates")
    return render(
        request,
        "campaigns/alert_templates.html",
        {"form": form, "templates": selectors.alert_templates(viewer=viewer)},
    )


@capability_required(Capability.VIEW_CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def segments(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    units = selectors.targetable_units(viewer)
    form = SegmentForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.segment_create(
                unit=form.cleaned_data["unit"],
                name=form.cleaned_data["name"],
                rule_units=list(form.cleaned_data["rule_units"]),
                rule_consent=form.cleaned_data["rule_consent"],
                rule_language=form.cleaned_data["rule_language"],
                actor=request.user,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Segment saved."))
            return redirect("campaigns:segments")
    return render(
        request,
        "campaigns/segments.html",
        {
            "form": form,
            "segments": selectors.segment_list(viewer=viewer),
            "can_write": viewer.can(Capability.WRITE_CAMPAIGNS),
        },
    )
