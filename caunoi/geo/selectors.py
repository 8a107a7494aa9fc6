from __future__ import annotations

from django.db.models import Q

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.core.text import fold
from caunoi.geo.models import Unit, UnitLevel, UnitQuerySet


def province_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code, level=UnitLevel.PROVINCE).first()


def unit_children(*, parent: Unit, search: str = "") -> UnitQuerySet:
    """The units in force directly under ``parent``; ``search`` ignores diacritics ("ha giang")."""
    qs = Unit.objects.active().filter(parent=parent)
    if search.strip():
        qs = qs.filter(Q(name_folded__contains=fold(search)) | Q(code__startswith=search.strip()))
    return qs.select_related("parent")


def access_unit(viewer: Viewer, unit_id: int, *, capability: Capability = Capability.VIEW_UNITS) -> Unit:
    unit = Unit.objects.filter(viewer.unit_q(capability), pk=unit_id).select_related("parent").first()
    if unit is None:
        raise NotFound()
    return unit
