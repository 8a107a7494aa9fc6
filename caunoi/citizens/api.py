from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from caunoi.citizens import selectors, services
from caunoi.citizens.models import Citizen, ConsentPurpose, ConsentSource
from caunoi.core.errors import NotFound, ValidationFailed
from caunoi.core.paging import MAX_OFFSET
from caunoi.core.permissions import Capability, Viewer, viewer_of
from caunoi.geo.models import Unit

router = Router(tags=["citizens"])


class ConsentOut(Schema):
    id: int
    purpose: str
    wording_version: str
    source: str
    granted_at: str
    withdrawn_at: str | None


class CitizenOut(Schema):
    id: int
    display_name: str
    phone: str
    email: str
    home_unit_code: str
    preferred_language: str
    erased: bool


class CitizenDetailOut(CitizenOut):
    consents: list[ConsentOut]


class CitizenPage(Schema):
    count: int
    items: list[CitizenOut]


class CitizenIn(Schema):
    home_unit_code: str = Field(..., max_length=32)
    display_name: str = Field("", max_length=120)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    preferred_language: str = Field("vi", max_length=8)
    consents: list[ConsentPurpose] = Field(default_factory=list)
    consent_source: ConsentSource = ConsentSource.IN_PERSON


class ConsentIn(Schema):
    purpose: ConsentPurpose
    source: ConsentSource = ConsentSource.IN_PERSON


class EraseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _require(viewer: Viewer, capability: Capability) -> None:
    if not viewer.can(capability):
        raise NotFound()


def _out(c: Citizen) -> CitizenOut:
    return CitizenOut(
        id=c.pk,
        display_name=c.display_name,
        phone=c.phone,
        email=c.email,
        home_unit_code=c.home_unit.code,
        preferred_language=c.preferred_language,
        erased=c.erased_at is not None,
    )


def _detail(c: Citizen) -> CitizenDetailOut:
    return CitizenDetailOut(
        **_out(c).dict(),
        consents=[
            ConsentOut(
                id=k.pk,
                purpose=k.purpose,
                wording_version=k.wording_version,
                source=k.source,
                granted_at=k.granted_at.isoformat(),
                withdrawn_at=k.withdrawn_at.isoformat() if k.withdrawn_at else None,
            )
            for k in c.consents.order_by("-granted_at")
        ],
    )


def _actor(request: HttpRequest) -> Any:
    """The staff member, or for an integration token the viewer itself (audited as ``token:<prefix>``)."""
    viewer = viewer_of(request)
    return viewer.user if viewer.user is not None else viewer


@router.get("", response=CitizenPage, summary="Citizens in my communes")
def citizen_list(
    request: HttpRequest,
    q: str = "",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> CitizenPage:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_CITIZENS)
    qs = selectors.citizen_list(viewer=viewer, search=q)
    return CitizenPage(count=qs.count(), items=[_out(c) for c in qs[offset : offset + limit]])


@router.post("", response={201: CitizenDetailOut}, summary="Record a citizen, with the consents they gave")
def citizen_create(request: HttpRequest, payload: CitizenIn) -> Status[CitizenDetailOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_CITIZENS)
    unit = Unit.objects.filter(viewer.unit_q(Capability.MANAGE_CITIZENS), code=payload.home_unit_code).first()
    if unit is None:
        raise ValidationFailed(_("Unknown commune or village in your area."), field="home_unit_code")
    citizen = services.citizen_create(
        home_unit=unit,
        display_name=payload.display_name,
        phone=payload.phone,
        email=payload.email,
        preferred_language=payload.preferred_language,
        consents=[p.value for p in payload.consents],
        consent_source=payload.consent_source.value,
        actor=_actor(request),
    )
    return Status(201, _detail(citizen))


@router.get("/{citizen_id}", response=CitizenDetailOut, summary="One citizen and their consents")
def citizen_detail(request: HttpRequest, citizen_id: int) -> CitizenDetailOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.VIEW_CITIZENS)
    citizen = selectors.access_citizen(viewer, citizen_id)
    services.citizen_viewed(citizen=citizen, actor=_actor(request))
    return _detail(citizen)


@router.post("/{citizen_id}/consents", response={201: CitizenDetailOut}, summary="Record a consent")
def consent_grant(request: HttpRequest, citizen_id: int, payload: ConsentIn) -> Status[CitizenDetailOut]:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_CITIZENS)
    citizen = selectors.access_citizen(viewer, citizen_id, capability=Capability.MANAGE_CITIZENS)
    services.consent_grant(
        citizen=citizen, purpose=payload.purpose.value, source=payload.source.value, actor=_actor(request)
    )
    return Status(201, _detail(citizen))


@router.post(
    "/{citizen_id}/consents/{purpose}/withdraw", response=CitizenDetailOut, summary="Withdraw a consent"
)
def consent_withdraw(request: HttpRequest, citizen_id: int, purpose: ConsentPurpose) -> CitizenDetailOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_CITIZENS)
    citizen = selectors.access_citizen(viewer, citizen_id, capability=Capability.MANAGE_CITIZENS)
    consent = citizen.consents.active().filter(purpose=purpose.value).first()
    if consent is None:
        raise NotFound(_("No active consent for this purpose."), field="purpose")
    services.consent_withdraw(consent=consent, actor=_actor(request))
    return _detail(citizen)


@router.get("/{citizen_id}/export", response=dict[str, Any], summary="Everything held about one citizen")
def citizen_export(request: HttpRequest, citizen_id: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_CITIZENS)
    return services.citizen_export(
        citizen=selectors.access_citizen(viewer, citizen_id, capability=Capability.MANAGE_CITIZENS),
        actor=_actor(request),
    )


@router.post("/{citizen_id}/erase", response=CitizenOut, summary="Erase one citizen's personal data")
def citizen_erase(request: HttpRequest, citizen_id: int, payload: EraseIn) -> CitizenOut:
    viewer = viewer_of(request)
    _require(viewer, Capability.MANAGE_CITIZENS)
    citizen = selectors.access_citizen(viewer, citizen_id, capability=Capability.MANAGE_CITIZENS)
    return _out(services.citizen_erase(citizen=citizen, actor=_actor(request), reason=payload.reason))
