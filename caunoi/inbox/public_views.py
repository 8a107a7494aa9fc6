"""Trang tra cứu: anyone with a case code sees its status, responsible unit, deadline and the
published answer — never the citizen's name, contact, words or attachments. The citizen's signed
link lets them rate the answer or reopen the case."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caunoi.core.access import public
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.inbox import selectors, services
from caunoi.inbox.forms import CitizenFeedbackForm, TrackForm
from caunoi.inbox.models import Petition
from caunoi.inbox.public import token_valid


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@public
@require_http_methods(["GET"])
def track_home(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        return redirect("track:petition", reference=form.cleaned_data["reference"].strip().upper())
    return _private(render(request, "inbox/public/track_home.html", {"form": form}))


def _page(request: HttpRequest, petition: Petition, **extra: object) -> HttpResponse:
    return render(
        request,
        "inbox/public/petition.html",
        {
            "petition": petition,
            "events": selectors.petition_public_events(petition),
            "now": timezone.now(),
            **extra,
        },
    )


@public
@require_http_methods(["GET"])
def petition_page(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        petition = selectors.petition_public(reference)
    except NotFound:
        return _private(
            render(request, "inbox/public/not_found.html", {"reference": reference[:24]}, status=404)
        )
    return _private(_page(request, petition))


@public
@require_http_methods(["GET", "POST"])
def citizen_feedback(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    petition = selectors.petition_public(reference)
    if not token_valid(petition, token):
        raise NotFound()
    form = CitizenFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["reopen"]:
                services.petition_reopen(
                    petition=petition, reason=data["comment"] or _("The problem is not solved.")
                )
                messages.success(request, _("Your case is open again; we will answer by the new deadline."))
            elif data["rating"]:
                services.petition_rate(petition=petition, rating=data["rating"], comment=data["comment"])
                messages.success(request, _("Thank you for your rating."))
            else:
                form.add_error("rating", _("Choose a rating, or ask to reopen the case."))
                return _private(_page(request, petition, feedback_form=form, token=token))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return _private(_page(request, petition, feedback_form=form, token=token))
        return redirect("track:petition", reference=petition.reference)
    return _private(_page(request, petition, feedback_form=form, token=token))
