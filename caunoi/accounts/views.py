from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from caunoi.accounts import selectors, services
from caunoi.accounts.forms import ApiTokenCreateForm, CodeForm, LoginForm, RoleGrantForm, StaffCreateForm
from caunoi.accounts.models import RoleAssignment
from caunoi.core.access import capability_required, public, staff
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.text import search_term


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:dashboard")


@public
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is not None:
            services.staff_login(request=request, user=user)
            return HttpResponseRedirect(_next_url(request))
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error(None, _("The username or password is not right."))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@staff
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Bật xác thực hai lớp: scan the QR code, then prove it works with one code."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or (request.method == "GET" and "restart" in request.GET):
        device = services.totp_device_start(user=user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(request=request, device=device, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, _("Two-factor authentication is on."))
            return HttpResponseRedirect(_next_url(request))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5)
    return render(
        request,
        "accounts/2fa_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": request.GET.get("next", ""),
        },
    )


@staff
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(request=request, user=request.user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            return HttpResponseRedirect(_next_url(request))
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": request.GET.get("next", "")})


@capability_required(Capability.MANAGE_STAFF)
def staff_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    search = search_term(request.GET.get("q", ""))
    people = selectors.staff_list(viewer=viewer, search=search)
    return render(request, "accounts/staff_list.html", {"people": people, "search": search})


@capability_required(Capability.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    units = selectors.assignable_units(viewer)
    form = StaffCreateForm(request.POST or None)
    grant_form = RoleGrantForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid() and grant_form.is_valid():
        try:
            user = services.staff_create(actor=request.user, **form.cleaned_data, **grant_form.cleaned_data)
        except ApplicationError as exc:
            target = form if exc.field in form.fields else grant_form
            target.add_error(exc.field if exc.field in target.fields else None, exc.message)
        else:
            messages.success(request, _("Staff account created."))
            return redirect("accounts:staff_detail", user_id=user.pk)
    return render(request, "accounts/staff_create.html", {"form": form, "grant_form": grant_form})


@capability_required(Capability.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    person = selectors.access_staff(viewer, user_id)
    units = selectors.assignable_units(viewer)
    form = RoleGrantForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(user=person, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Role granted."))
            return redirect("accounts:staff_detail", user_id=person.pk)
    return render(request, "accounts/staff_detail.html", {"person": person, "form": form})


@capability_required(Capability.MANAGE_STAFF)
@require_POST
def role_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    assignment = (
        RoleAssignment.objects.active()
        .filter(viewer.unit_q(Capability.MANAGE_STAFF, "unit"), pk=assignment_id)
        .select_related("user", "unit")
        .first()
    )
    if assignment is None:
        raise NotFound()
    services.role_revoke(assignment=assignment, actor=request.user)
    messages.success(request, _("Role revoked."))
    return redirect("accounts:staff_detail", user_id=assignment.user_id)


@capability_required(Capability.MANAGE_TOKENS)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = ApiTokenCreateForm(request.POST or None, units=selectors.assignable_units(viewer))
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = ApiTokenCreateForm(units=selectors.assignable_units(viewer))
    tokens = selectors.api_token_list(viewer=viewer)
    return render(
        request, "accounts/token_list.html", {"tokens": tokens, "form": form, "new_secret": new_secret}
    )


@capability_required(Capability.MANAGE_TOKENS)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.access_api_token(viewer_of(request), token_id)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
