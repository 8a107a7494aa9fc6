from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from caunoi.core.errors import NotFound
from caunoi.geo.models import Unit, UnitLevel
from caunoi.geo.selectors import province_by_code

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    name_ascii: str
    type: str
    level: str
    parent_code: str | None
    valid_from: str
    valid_to: str | None


def _out(unit: Unit) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        short_name=unit.short_name,
        name_ascii=unit.name_folded,
        type=unit.unit_type,
        level=unit.level,
        parent_code=unit.parent.code if unit.parent_id and unit.parent else None,
        valid_from=unit.valid_from.isoformat(),
        valid_to=unit.valid_to.isoformat() if unit.valid_to else None,
    )


@router.get("", response=list[UnitOut], auth=None, summary="List provinces, or the communes of one province")
def unit_list(request: HttpRequest, province: str | None = None) -> list[UnitOut]:
    """Public: administrative units are public data. Without ``province``, the 34 provinces."""
    if province is None:
        units = Unit.objects.active().filter(level=UnitLevel.PROVINCE).select_related("parent")
    else:
        parent = province_by_code(province)
        if parent is None:
            raise NotFound(_("Unknown province code %(code)s") % {"code": province}, field="province")
        units = Unit.objects.active().filter(parent=parent, level=UnitLevel.COMMUNE).select_related("parent")
    return [_out(u) for u in units.order_by("code")]


@router.get("/{code}", response=UnitOut, auth=None, summary="One unit by its official code")
def unit_detail(request: HttpRequest, code: str) -> UnitOut:
    unit = Unit.objects.filter(code=code).select_related("parent").first()
    if unit is None or unit.level == UnitLevel.VILLAGE:
        # Villages are kept by communes and are not published through the open API.
        raise NotFound(_("Unknown unit code %(code)s") % {"code": code}, field="code")
    return _out(unit)
