"""Bảng công khai: the public board of each province and commune (no login, nothing personal).

Board and list pages are the same for everyone and may be cached briefly. A publication's page holds
the comment form, so it is never cached; like the contact form it is CSRF-exempt (it acts for no
session and sets no cookie) and its signed timestamp token and honeypot stand in for the CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from caunoi.core.access import public
from caunoi.core.errors import ApplicationError, NotFound, RateLimited
from caunoi.core.ratelimit import client_address
from caunoi.disclosure import selectors, services, spam
from caunoi.disclosure.downloads import attachment_response
from caunoi.disclosure.forms import CommentForm
from caunoi.disclosure.models import Category
from caunoi.inbox.accountability import MIN_RATINGS
from caunoi.inbox.accountability import commune_table as accountability_table

View = Callable[..., HttpResponseBase]


def _public_page(view: View) -> View:
    """Open to anyone, short-cached unless the view says otherwise, with a public "not found" page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except NotFound:
            response = render(request, "disclosure/public/not_found.html", status=404)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, public=True, max_age=settings.CAUNOI_PUBLIC_CACHE_SECONDS)
        return response

    return public(wrapper)


@_public_page
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """/cong-khai/: the units with something on their board."""
    return render(request, "disclosure/public/index.html", {"units": selectors.public_units()})


@_public_page
@require_safe
def board(request: HttpRequest, unit_code: str) -> HttpResponse:
    unit = selectors.public_unit(unit_code)
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    page = Paginator(selectors.public_board(unit=unit, category=category), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "disclosure/public/board.html",
        {"unit": unit, "page": page, "category": category, "categories": Category.choices},
    )


@_public_page
@csrf_exempt
@require_http_methods(["GET", "POST"])
def publication(request: HttpRequest, unit_code: str, publication_id: int) -> HttpResponseBase:
    """One publication, its documents and approved comments, and the form to comment."""
    unit = selectors.public_unit(unit_code)
    item = selectors.public_publication(unit=unit, publication_id=publication_id)
    form = CommentForm(request.POST or None, publication_id=item.pk)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_submit(
                publication=item,
                display_name=form.cleaned_data["display_name"],
                text=form.cleaned_data["text"],
                client_address=client_address(request),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 429 if isinstance(exc, RateLimited) else 200
        else:
            response = redirect(
                reverse("disclosure_public:publication", args=[unit.code, item.pk]) + "?sent=1"
            )
            patch_cache_control(response, private=True, no_store=True)
            return response
    page = render(
        request,
        "disclosure/public/publication.html",
        {
            "unit": unit,
            "item": item,
            "attachments": item.attachments.all(),
            "comments": selectors.public_comments(publication=item),
            "form": form,
            "token": spam.comment_token(item.pk),
            "sent": request.GET.get("sent") == "1",
        },
        status=status,
    )
    patch_cache_control(page, private=True, no_store=True)
    return page


@_public_page
@require_safe
def attachment(
    request: HttpRequest, unit_code: str, publication_id: int, attachment_id: int
) -> HttpResponseBase:
    unit = selectors.public_unit(unit_code)
    found = selectors.public_attachment(unit=unit, publication_id=publication_id, attachment_id=attachment_id)
    return attachment_response(found)


@_public_page
@require_safe
def accountability(request: HttpRequest, province_code: str = "") -> HttpResponseBase:
    """Kết quả giải quyết phản ánh, kiến nghị per commune: received, on time, overdue, satisfaction."""
    if not province_code:
        return redirect("disclosure_public:accountability", str(settings.CAUNOI_PROVINCE_CODE))
    province = selectors.public_province(province_code)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2020 <= year <= this_year:
        raise NotFound()
    table = accountability_table(province=province, year=year)
    return render(
        request,
        "disclosure/public/accountability.html",
        {
            "province": province,
            "table": table,
            "years": list(range(this_year, max(2020, this_year - 5) - 1, -1)),
            "min_ratings": MIN_RATINGS,
        },
    )
