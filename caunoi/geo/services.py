from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.core.errors import NotFound, ValidationFailed
from caunoi.core.services import audit_record
from caunoi.core.text import fold, nfc
from caunoi.geo import sources
from caunoi.geo.models import Unit, UnitLevel, UnitType

TWO_TIER_START = dt.date(2025, 7, 1)
COUNTRY_CODE = "VN"


@dataclass
class LoadReport:
    provinces_created: int = 0
    provinces_updated: int = 0
    communes_created: int = 0
    communes_updated: int = 0
    communes_retired: int = 0
    renamed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.provinces_created
            or self.provinces_updated
            or self.communes_created
            or self.communes_updated
            or self.communes_retired
        )


def _country() -> Unit:
    country, _created = Unit.objects.get_or_create(
        code=COUNTRY_CODE,
        defaults={
            "name": "Việt Nam",
            "short_name": "Việt Nam",
            "name_folded": "viet nam",
            "level": UnitLevel.COUNTRY,
            "unit_type": UnitType.COUNTRY,
            "path": f"{COUNTRY_CODE}/",
            "valid_from": TWO_TIER_START,
        },
    )
    return country


def _apply(
    unit: Unit, *, name: str, short_name: str, unit_type: str, formed_from: str, today: dt.date
) -> bool:
    """Bring an existing unit in line with the national list; keep the old name when it was renamed."""
    changed = False
    if unit.name != name:
        unit.name_history = [*unit.name_history, {"name": unit.name, "until": today.isoformat()}]
        unit.name, unit.name_folded = name, fold(name)
        changed = True
    for attr, value in (("short_name", short_name), ("unit_type", unit_type), ("formed_from", formed_from)):
        if getattr(unit, attr) != value:
            setattr(unit, attr, value)
            changed = True
    if unit.valid_to is not None:
        unit.valid_to = None
        changed = True
    return changed


def units_load(
    *,
    province_code: str | None = None,
    actor: Any = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load (or bring up to date) provinces and communes from the national list.

    Idempotent: a unit is matched by its official code, so a renamed unit is updated, never duplicated,
    and a commune no longer in the list is retired (``valid_to``), never deleted.
    """
    provinces = sources.national_provinces()
    if province_code is not None:
        provinces = [p for p in provinces if p.code == province_code]
        if not provinces:
            raise NotFound(_("Unknown province code %(code)s") % {"code": province_code}, field="province")
    communes_by_province: dict[str, list[sources.CommuneRecord]] = {p.code: [] for p in provinces}
    for commune in sources.national_communes(province_code):
        communes_by_province[commune.province_code].append(commune)

    report = LoadReport()
    today = timezone.localdate()
    with transaction.atomic():
        country = _country()
        for record in provinces:
            _load_province(record, communes_by_province[record.code], country, today, report)
            if progress is not None:
                progress(record.code)
        if report.changed:
            audit_record(
                actor=actor,
                action="units.load",
                after={
                    "province": province_code or "all",
                    "provinces_created": report.provinces_created,
                    "provinces_updated": report.provinces_updated,
                    "communes_created": report.communes_created,
                    "communes_updated": report.communes_updated,
                    "communes_retired": report.communes_retired,
                    "renamed": report.renamed[:50],
                },
            )
    return report


def _load_province(
    record: sources.ProvinceRecord,
    communes: list[sources.CommuneRecord],
    country: Unit,
    today: dt.date,
    report: LoadReport,
) -> None:
    province = Unit.objects.filter(code=record.code, level=UnitLevel.PROVINCE).first()
    if province is None:
        province = Unit.objects.create(
            code=record.code,
            name=record.name,
            short_name=record.short_name,
            name_folded=fold(record.name),
            level=UnitLevel.PROVINCE,
            unit_type=record.unit_type,
            parent=country,
            path=f"{country.path}{record.code}/",
            valid_from=TWO_TIER_START,
        )
        report.provinces_created += 1
    else:
        old_name = province.name
        if _apply(
            province,
            name=record.name,
            short_name=record.short_name,
            unit_type=record.unit_type,
            formed_from=province.formed_from,
            today=today,
        ):
            province.save()
            report.provinces_updated += 1
            if old_name != province.name:
                report.renamed.append(f"{old_name} → {province.name}")

    existing = {u.code: u for u in Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE)}
    to_create, to_update = [], []
    for c in communes:
        unit = existing.pop(c.code, None)
        if unit is None:
            to_create.append(
                Unit(
                    code=c.code,
                    name=c.name,
                    short_name=c.short_name,
                    name_folded=fold(c.name),
                    level=UnitLevel.COMMUNE,
                    unit_type=c.unit_type,
                    parent=province,
                    path=f"{province.path}{c.code}/",
                    valid_from=TWO_TIER_START,
                    formed_from=c.formed_from,
                )
            )
            continue
        old_name = unit.name
        if _apply(
            unit,
            name=c.name,
            short_name=c.short_name,
            unit_type=c.unit_type,
            formed_from=c.formed_from,
            today=today,
        ):
            to_update.append(unit)
            if old_name != unit.name:
                report.renamed.append(f"{old_name} → {unit.name}")
    retired = [u for u in existing.values() if u.valid_to is None]
    for unit in retired:
        unit.valid_to = max(today, unit.valid_from + dt.timedelta(days=1))
    Unit.objects.bulk_create(to_create, batch_size=500)
    Unit.objects.bulk_update(
        to_update + retired,
        ["name", "name_folded", "short_name", "unit_type", "formed_from", "name_history", "valid_to"],
        batch_size=500,
    )
    report.communes_created += len(to_create)
    report.communes_updated += len(to_update)
    report.communes_retired += len(retired)


def village_create(*, commune: Unit, name: str, unit_type: str = UnitType.VILLAGE, actor: Any) -> Unit:
    """Thôn/bản/tổ dân phố: added by its commune, since villages are not in the national list."""
    name = nfc(name).strip()
    if not name:
        raise ValidationFailed(_("Enter the village name."), field="name")
    if commune.level != UnitLevel.COMMUNE:
        raise ValidationFailed(_("Villages belong to a commune or ward."), field="commune")
    if unit_type not in (UnitType.VILLAGE, UnitType.RESIDENTIAL_GROUP):
        raise ValidationFailed(_("Choose village or residential group."), field="unit_type")
    with transaction.atomic():
        siblings = Unit.objects.select_for_update().filter(parent=commune, level=UnitLevel.VILLAGE)
        if siblings.filter(name_folded=fold(name)).exists():
            raise ValidationFailed(_("This commune already has a village with that name."), field="name")
        number = siblings.count() + 1
        code = f"{commune.code}-{number:03d}"
        while Unit.objects.filter(code=code).exists():
            number += 1
            code = f"{commune.code}-{number:03d}"
        village = Unit.objects.create(
            code=code,
            name=name,
            short_name=name,
            name_folded=fold(name),
            level=UnitLevel.VILLAGE,
            unit_type=unit_type,
            parent=commune,
            path=f"{commune.path}{code}/",
            valid_from=timezone.localdate(),
        )
        audit_record(actor=actor, action="village.create", obj=village, unit=commune, after={"name": name})
    return village
