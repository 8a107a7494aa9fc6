"""GeoReport v2 endpoints. Reads are open to anyone and show nothing personal; filing a request needs
an ``api_key``: an integration token (``accounts.ApiToken``) whose role may handle the inbox in the
commune the request is about.

What a request shows: its reference code (``service_request_id``), service, open/closed, the
responsible unit, dates, the commune or village, coordinates rounded to about 100 m and the published
answer. Never the citizen's name, phone, email or words: the inbox records no permission to publish
what a citizen wrote, so ``description`` stays empty (as the public tracking page shows no text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from caunoi.accounts.selectors import viewer_for_token
from caunoi.accounts.services import api_token_authenticate
from caunoi.citizens.services import citizen_create
from caunoi.core.access import public
from caunoi.core.errors import ApplicationError, NotFound, PermissionDenied, RateLimited, ValidationFailed
from caunoi.core.middleware import holds_nul
from caunoi.core.permissions import Capability, Viewer
from caunoi.core.ratelimit import define_policy, rate_limit_take
from caunoi.geo.models import Unit, UnitLevel
from caunoi.inbox.models import Category, Petition, PetitionKind, PetitionSource, PetitionStatus
from caunoi.inbox.open311 import render
from caunoi.inbox.public import tracking_url
from caunoi.inbox.services import petition_create

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+07:00"  # when these endpoints last changed in a way clients see
MAX_RESULTS = 1000  # the spec's default ceiling per call
DEFAULT_SPAN = dt.timedelta(days=90)  # the spec's default window when no dates are given
CLOSED = (PetitionStatus.ANSWERED, PetitionStatus.CLOSED, PetitionStatus.MERGED)
_TOKEN_SALT = "caunoi.inbox.open311.token"  # noqa: S105 (a signing salt, not a secret)
_COORDINATE = Decimal("0.001")  # about 110 m: where the problem is, not whose house it is

POST_PER_KEY = define_policy("open311.post", capacity=120, refill_seconds=3600, fail_open=True)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def jurisdiction() -> str:
    return str(settings.CAUNOI_OPEN311_JURISDICTION)


def _province() -> Unit:
    code = str(settings.CAUNOI_PROVINCE_CODE)
    province = Unit.objects.filter(code=code, level=UnitLevel.PROVINCE).first()
    if province is None:
        raise Open311Error(404, "jurisdiction_id not found")
    return province


def _endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Public, with the spec's error format for every refusal, and ``jurisdiction_id`` checked."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            if holds_nul(request):
                raise Open311Error(400, "text may not contain the NUL character (U+0000)")
            given = request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or ""
            if given and given != jurisdiction():
                raise Open311Error(404, "jurisdiction_id not found")
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return render.error(fmt, exc.status, exc.description)
        except RateLimited as exc:
            return render.error(fmt, 429, exc.message)
        except (PermissionDenied, NotFound, ValidationFailed, ApplicationError) as exc:
            status = 400 if isinstance(exc, ValidationFailed) else exc.status
            field = f"{exc.field}: " if exc.field else ""
            return render.error(fmt, status, f"{field}{exc.message}")

    return public(wrapper)


def _cached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=settings.CAUNOI_PUBLIC_CACHE_SECONDS)
    return response


def _local(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# Discovery and services ---------------------------------------------------------------------------


@_endpoint
@require_safe
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    document = {
        "changeset": CHANGESET,
        "contact": str(settings.CAUNOI_OPEN311_CONTACT),
        "key_service": str(settings.CAUNOI_OPEN311_KEY_SERVICE),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _cached(render.respond(fmt, "discovery", document))


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


@_endpoint
@require_safe
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """Danh mục lĩnh vực: each active category is a service."""
    categories = Category.objects.filter(active=True).order_by("order", "name")
    return _cached(render.respond(fmt, "services", [_service(c) for c in categories]))


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, "service_code not found")
    return category


@_endpoint
@require_safe
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The attributes a client asks for: the kind of case and, for clients that do not send
    ``address_id``, the commune from a list."""
    category = _category(code)
    communes = Unit.objects.active().filter(parent=_province(), level=UnitLevel.COMMUNE).order_by("name")
    document = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "",
                "order": 1,
                "description": "Kind of case (default: the service's usual kind)",
                "values": [{"key": key, "name": str(label)} for key, label in PetitionKind.choices],
            },
            {
                "variable": True,
                "code": "commune",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "Needed unless address_id gives the commune or village code",
                "order": 2,
                "description": "Commune or ward",
                "values": [{"key": u.code, "name": u.name} for u in communes],
            },
        ],
    }
    return _cached(render.respond(fmt, "service_definition", document))


# Requests -----------------------------------------------------------------------------------------


def _rounded(value: Decimal | None) -> float | None:
    return float(value.quantize(_COORDINATE, rounding=ROUND_HALF_UP)) if value is not None else None


def _request(petition: Petition) -> dict[str, Any]:
    closed = petition.status in CLOSED
    place = petition.village or petition.commune
    address = (
        f"{petition.village.name}, {petition.commune.name}" if petition.village else petition.commune.name
    )
    return {
        "service_request_id": petition.reference,
        "status": "closed" if closed else "open",
        "status_notes": petition.answer if petition.answered_at else "",
        "service_name": petition.category.name if petition.category else "",
        "service_code": petition.category.code if petition.category else "",
        "description": "",
        "agency_responsible": petition.unit.name,
        "service_notice": "",
        "requested_datetime": _local(petition.received_at),
        "updated_datetime": _local(petition.updated_at),
        "expected_datetime": None if closed else _local(petition.due_at),
        "address": address,
        "address_id": place.code,
        "zipcode": "",
        "lat": _rounded(petition.latitude),
        "long": _rounded(petition.longitude),
        "media_url": "",
    }


def _petitions() -> QuerySet[Petition]:
    return Petition.objects.filter(commune__parent=_province()).select_related(
        "category", "unit", "commune", "village"
    )


def _when(value: str, name: str) -> dt.datetime:
    moment = parse_datetime(value.replace(" ", "+")) if value else None  # a "+" in a query string is a space
    if moment is None:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2026-01-31T08:00:00+07:00")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _search(request: HttpRequest) -> list[Petition]:
    query = request.GET
    ids = [i.strip().upper() for i in query.get("service_request_id", "").split(",") if i.strip()]
    qs = _petitions()
    if ids:  # the spec: a list of ids overrides every other filter
        return list(qs.filter(reference__in=ids[:MAX_RESULTS]).order_by("-received_at", "-id"))
    end = _when(query["end_date"], "end_date") if query.get("end_date") else timezone.now()
    start = _when(query["start_date"], "start_date") if query.get("start_date") else end - DEFAULT_SPAN
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    if codes := [c.strip() for c in query.get("service_code", "").split(",") if c.strip()]:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.strip().lower() for s in query.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both")
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    try:
        page = max(1, int(query.get("page", "1")))
        size = min(MAX_RESULTS, max(1, int(query.get("page_size", str(MAX_RESULTS)))))
    except ValueError:
        raise Open311Error(400, "page and page_size must be whole numbers") from None
    return list(qs.order_by("-received_at", "-id")[(page - 1) * size : page * size])


def _key(request: HttpRequest) -> Viewer:
    secret = request.POST.get("api_key", "")
    token = api_token_authenticate(secret) if secret else None
    if token is None:
        raise Open311Error(403, "api_key is missing or not valid")
    viewer = viewer_for_token(token)
    if not viewer.can(Capability.HANDLE_INBOX):
        raise Open311Error(403, "this api_key may not file requests")
    return viewer


def _place(request: HttpRequest) -> tuple[Unit, Unit | None]:
    """The commune (and village) from ``address_id`` or the ``commune`` attribute."""
    code = request.POST.get("address_id", "").strip() or request.POST.get("attribute[commune]", "").strip()
    if not code:
        raise Open311Error(
            400, "a location is required: address_id (the commune or village code) or attribute[commune]"
        )
    unit = (
        Unit.objects.active()
        .filter(code=code, level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE])
        .select_related("parent")
        .first()
    )
    province = _province()
    if unit is None:
        raise Open311Error(400, "address_id is not a commune or village code of this jurisdiction")
    commune, village = (unit.parent, unit) if unit.level == UnitLevel.VILLAGE else (unit, None)
    if commune is None or commune.parent_id != province.pk:
        raise Open311Error(400, "address_id is not a commune or village code of this jurisdiction")
    return commune, village


def token_for(petition: Petition) -> str:
    return signing.Signer(salt=_TOKEN_SALT).sign(petition.reference)


def _file(request: HttpRequest) -> dict[str, Any]:
    """Tiếp nhận qua Open311: an anonymous resident of the commune files a petition.

    Open311 carries no consent, so ``first_name``, ``last_name``, ``email``, ``phone``, ``device_id``
    and ``account_id`` are not kept; the requester follows the case by its id or the tracking link.
    ``media_url`` is kept as a link for staff only: never fetched by the server, never published.
    """
    viewer = _key(request)
    category = _category(request.POST.get("service_code", "").strip())
    commune, village = _place(request)
    if not viewer.covers(Capability.HANDLE_INBOX, commune):
        raise Open311Error(403, "this api_key may not file requests for that commune")
    description = request.POST.get("description", "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    kind = request.POST.get("attribute[kind]", "").strip() or category.default_kind
    if kind not in PetitionKind.values:
        raise Open311Error(400, "attribute[kind] is not one of the listed values")
    assert viewer.token is not None
    if not rate_limit_take(POST_PER_KEY, f"token:{viewer.token.pk}").allowed:
        raise RateLimited("too many requests from this api_key; try again later")
    citizen = citizen_create(home_unit=village or commune, actor=viewer)
    petition = petition_create(
        citizen=citizen,
        text=description,
        commune=commune,
        village=village,
        source=PetitionSource.OPEN311,
        actor=viewer,
        kind=kind,
        category=category,
        address=request.POST.get("address_string", ""),
        latitude=request.POST.get("lat") or None,
        longitude=request.POST.get("long") or None,
        media_url=request.POST.get("media_url", ""),
    )
    return {
        "service_request_id": petition.reference,
        "token": token_for(petition),
        "service_notice": tracking_url(petition),
        "account_id": None,
    }


@_endpoint
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return render.respond(fmt, "service_requests", [_file(request)])
    found = [_request(p) for p in _search(request)]
    return _cached(render.respond(fmt, "service_requests", found))


@_endpoint
@require_safe
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    petition = _petitions().filter(reference=request_id.strip().upper()).first()
    if petition is None:
        raise Open311Error(404, "service_request_id not found")
    return _cached(render.respond(fmt, "service_requests", [_request(petition)]))


@_endpoint
@require_safe
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The id behind a token from a POST (ours are given at once, so a token always resolves)."""
    try:
        reference = signing.Signer(salt=_TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise Open311Error(404, "token not found") from None
    if not _petitions().filter(reference=reference).exists():
        raise Open311Error(404, "token not found")
    return render.respond(fmt, "service_requests", [{"token": token, "service_request_id": reference}])


@public
def unknown_endpoint(request: HttpRequest) -> HttpResponse:
    return render.error("xml" if request.path.endswith(".xml") else "json", 404, "no such endpoint")
