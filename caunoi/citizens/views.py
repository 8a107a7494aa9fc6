from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caunoi.citizens import retention, selectors, services
from caunoi.citizens.forms import CitizenCreateForm, CitizenForm, ConsentGrantForm, EraseForm, RetentionForm
from caunoi.citizens.models import Citizen
from caunoi.core.access import capability_required
from caunoi.core.errors import ApplicationError
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.text import search_term
from caunoi.geo.models import Unit, UnitLevel


def _home_units(request: HttpRequest):  # type: ignore[no-untyped-def]
    viewer = viewer_of(request)
    return (
        Unit.objects.active()
        .filter(viewer.unit_q(Capability.MANAGE_CITIZENS), level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])
        .order_by("path")
    )


def _form_error(
    form: CitizenForm | ConsentGrantForm | EraseForm | RetentionForm, exc: ApplicationError
) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@capability_required(Capability.VIEW_CITIZENS)
def citizen_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    search = search_term(request.GET.get("q", ""))
    page = Paginator(selectors.citizen_list(viewer=viewer, search=search), 50).get_page(
        request.GET.get("page")
    )
    template = "citizens/_rows.html" if request.htmx else "citizens/list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"page": page, "search": search, "can_manage": viewer.can(Capability.MANAGE_CITIZENS)},
    )


@capability_required(Capability.MANAGE_CITIZENS)
@require_http_methods(["GET", "POST"])
def citizen_create(request: HttpRequest) -> HttpResponse:
    form = CitizenCreateForm(request.POST or None, units=_home_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            citizen = services.citizen_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Citizen recorded."))
            return redirect("citizens:detail", citizen_id=citizen.pk)
    return render(request, "citizens/form.html", {"form": form, "creating": True})


@capability_required(Capability.VIEW_CITIZENS)
def citizen_detail(request: HttpRequest, citizen_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    citizen = selectors.access_citizen(viewer, citizen_id)
    services.citizen_viewed(citizen=citizen, actor=request.user)
    return _render_detail(request, citizen, EraseForm())


def _render_detail(
    request: HttpRequest, citizen: Citizen, erase_form: EraseForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "citizens/detail.html",
        {
            "citizen": citizen,
            "language_name": dict(settings.CAUNOI_CONTENT_LANGUAGES).get(citizen.preferred_language, ""),
            "consents": citizen.consents.order_by("-granted_at"),
            "grant_form": ConsentGrantForm(),
            "erase_form": erase_form,
            "can_manage": viewer_of(request).covers(Capability.MANAGE_CITIZENS, citizen.home_unit),
        },
        status=status,
    )


@capability_required(Capability.MANAGE_CITIZENS)
@require_http_methods(["GET", "POST"])
def citizen_edit(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.access_citizen(viewer_of(request), citizen_id, capability=Capability.MANAGE_CITIZENS)
    initial = {
        "display_name": citizen.display_name,
        "phone": citizen.phone,
        "email": citizen.email,
        "home_unit": citizen.home_unit,
        "preferred_language": citizen.preferred_language,
    }
    form = CitizenForm(request.POST or None, initial=initial, units=_home_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.citizen_update(citizen=citizen, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("citizens:detail", citizen_id=citizen.pk)
    return render(request, "citizens/form.html", {"form": form, "citizen": citizen, "creating": False})


@capability_required(Capability.MANAGE_CITIZENS)
@require_POST
def consent_grant(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.access_citizen(viewer_of(request), citizen_id, capability=Capability.MANAGE_CITIZENS)
    form = ConsentGrantForm(request.POST)
    if form.is_valid():
        try:
            services.consent_grant(citizen=citizen, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Consent recorded."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose a purpose and how the consent was given."))
    return redirect("citizens:detail", citizen_id=citizen.pk)


@capability_required(Capability.MANAGE_CITIZENS)
@require_POST
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = selectors.access_consent(viewer_of(request), consent_id)
    try:
        services.consent_withdraw(consent=consent, actor=request.user)
        messages.success(request, _("Consent withdrawn."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("citizens:detail", citizen_id=consent.citizen_id)


@capability_required(Capability.MANAGE_CITIZENS)
@require_POST
def citizen_export(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.access_citizen(viewer_of(request), citizen_id, capability=Capability.MANAGE_CITIZENS)
    data = services.citizen_export(citizen=citizen, actor=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="citizen-{citizen.pk}-{stamp}.json"'
    return response


@capability_required(Capability.MANAGE_CITIZENS)
@require_POST
def citizen_erase(request: HttpRequest, citizen_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    citizen = selectors.access_citizen(viewer, citizen_id, capability=Capability.MANAGE_CITIZENS)
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            services.citizen_erase(citizen=citizen, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The citizen's personal data was erased."))
            return redirect("citizens:list")
    return _render_detail(request, citizen, form, status=422)


@capability_required(Capability.MANAGE_RETENTION)
@require_http_methods(["GET", "POST"])
def retention_settings(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        kind = request.POST.get("data_kind", "")
        form = RetentionForm(request.POST)
        if form.is_valid():
            try:
                services.retention_policy_set(
                    data_kind=kind, keep_days=form.cleaned_data["keep_days"], actor=request.user
                )
            except ApplicationError as exc:
                errors[kind] = exc.message
            else:
                messages.success(request, _("Retention period saved."))
                return redirect("citizens:retention")
        else:
            errors[kind] = " ".join(str(e) for e in form.errors.get("keep_days", []))
    rows = [
        {"kind": k, "days": services.retention_days(k.key), "error": errors.get(k.key, "")}
        for k in retention.kinds()
    ]
    return render(request, "citizens/retention.html", {"rows": rows}, status=422 if errors else 200)
