from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from caunoi.accounts.selectors import two_factor_required, viewer_for_user
from caunoi.core.problem import problem_response

# Paths a signed-in but not yet verified person may still open.
_ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")


class TwoFactorRequiredMiddleware:
    """Admins and approvers must verify a TOTP code; so must anyone who has set up an authenticator."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            if has_device or two_factor_required(user):
                if request.path.startswith("/api/"):
                    return problem_response(
                        403,
                        _("Two-factor verification required"),
                        _("Verify your authenticator code in the web interface first."),
                    )
                target = "accounts:2fa_verify" if has_device else "accounts:2fa_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class ViewerMiddleware:
    """Attach ``request.viewer``: the signed-in staff member's roles and the units they reach."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.viewer = SimpleLazyObject(lambda: viewer_for_user(getattr(request, "user", None)))  # type: ignore[attr-defined]
        return self.get_response(request)
