from __future__ import annotations

from django.db.models import Q

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.geo.models import Unit, UnitLevel, UnitQuerySet


def province_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code, level=UnitLevel.PROVINCE).first()


def unit_list(
    *, parent: Unit, level: str | None = None, search: str = "", active_only: bool = True
) -> UnitQuerySet:
    """Units under ``parent``; ``search`` ignores diacritics ("ha giang" finds "Hà Giang")."""
    from caunoi.core.text import fold

    qs = Unit.objects.within(parent).exclude(pk=parent.pk)
    if level:
        qs = qs.filter(level=level)
    if active_only:
        qs = qs.active()
    if search:
        folded = fold(search)
        qs = qs.filter(Q(name_folded__contains=folded) | Q(code__startswith=search.strip()))
    return qs.select_related("parent")


def units_within(prefixes: list[str]) -> UnitQuerySet:
    """Every unit under any of the given materialised paths (a viewer's scope)."""
    if not prefixes:
        return Unit.objects.none()
    q = Q()
    for prefix in prefixes:
        q |= Q(path__startswith=prefix)
    return Unit.objects.filter(q)


def access_unit(viewer: Viewer, unit_id: int, *, capability: Capability = Capability.VIEW_UNITS) -> Unit:
    unit = Unit.objects.filter(viewer.unit_q(capability), pk=unit_id).select_related("parent").first()
    if unit is None:
        raise NotFound()
    return unit
