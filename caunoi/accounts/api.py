from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from caunoi.core.permissions import ROLE_CAPABILITIES, viewer_of

router = Router(tags=["me"])


class GrantOut(Schema):
    role: str
    unit_code: str
    unit_name: str
    capabilities: list[str]


class MeOut(Schema):
    principal: str
    kind: str
    grants: list[GrantOut]


@router.get("", response=MeOut, summary="Who am I, and which units do my roles reach")
def me(request: HttpRequest) -> MeOut:
    viewer = viewer_of(request)
    from caunoi.geo.models import Unit

    codes = dict(Unit.objects.filter(pk__in=[g.unit_id for g in viewer.grants]).values_list("pk", "code"))
    return MeOut(
        principal=viewer.label,
        kind="token" if viewer.token is not None else "staff",
        grants=[
            GrantOut(
                role=g.role,
                unit_code=codes.get(g.unit_id, ""),
                unit_name=g.unit_name,
                capabilities=sorted(c.value for c in ROLE_CAPABILITIES[g.role]),
            )
            for g in viewer.grants
        ],
    )
