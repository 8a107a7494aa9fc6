"""The national list of units in force since 1 July 2025, read from the ``vietnamadminunits`` package (MIT).

It carries the 34 provinces and 3,321 commune-level units with official (NSO) codes, and a map from
the pre-merger units to the new ones, from which we write the "formed from" note of each commune.
Coordinates and areas in that package are of unclear provenance and are deliberately not read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

from vietnamadminunits.database import query

from caunoi.core.text import nfc

_COMMUNE_TYPES = {"Xã": "xa", "Phường": "phuong", "Đặc khu": "dac_khu"}


@dataclass(frozen=True)
class ProvinceRecord:
    code: str
    name: str
    short_name: str
    unit_type: str


@dataclass(frozen=True)
class CommuneRecord:
    code: str
    name: str
    short_name: str
    unit_type: str
    province_code: str
    formed_from: str


def national_provinces() -> list[ProvinceRecord]:
    rows = query(
        "SELECT DISTINCT provinceCode, province, provinceShort FROM admin_units ORDER BY provinceCode"
    )
    return [
        ProvinceRecord(
            code=row["provinceCode"],
            name=nfc(row["province"]),
            short_name=nfc(row["provinceShort"]),
            unit_type="thanh_pho" if row["province"].startswith("Thành phố") else "tinh",
        )
        for row in rows
    ]


def national_communes(province_code: str | None = None) -> list[CommuneRecord]:
    sql = "SELECT wardCode, ward, wardShort, wardType, provinceCode, provinceKey, wardKey FROM admin_units"
    rows = query(sql + " ORDER BY provinceCode, wardCode")
    if province_code is not None:
        rows = [row for row in rows if row["provinceCode"] == province_code]
    notes = _formed_from_notes()
    return [
        CommuneRecord(
            code=row["wardCode"],
            name=nfc(row["ward"]),
            short_name=nfc(row["wardShort"]),
            unit_type=_COMMUNE_TYPES[row["wardType"]],
            province_code=row["provinceCode"],
            formed_from=notes.get((row["provinceKey"], row["wardKey"]), ""),
        )
        for row in rows
    ]


def _formed_from_notes() -> dict[tuple[str, str], str]:
    """(new province key, new ward key) → "Phường A (Thành phố X, Tỉnh Y); một phần Xã B (…)"."""
    data = json.loads(
        resources.files("vietnamadminunits").joinpath("data/converter_2025.json").read_text("utf-8")
    )
    legacy_names = {
        f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}": nfc(
            f"{row['ward']} ({row['district']}, {row['province']})"
        )
        for row in query(
            "SELECT province, district, ward, provinceKey, districtKey, wardKey FROM admin_units_legacy"
        )
    }
    whole: dict[tuple[str, str], list[str]] = defaultdict(list)
    for province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, legacy_keys in wards.items():
            whole[(province_key, ward_key)].extend(legacy_names.get(k, k) for k in legacy_keys)
    part: dict[tuple[str, str], list[str]] = defaultdict(list)
    for province_key, legacy in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for legacy_key, targets in legacy.items():
            for target in targets:
                part[(province_key, target["newWardKey"])].append(legacy_names.get(legacy_key, legacy_key))
    notes = {}
    for key in set(whole) | set(part):
        pieces = list(whole.get(key, []))
        pieces += [f"một phần {name}" for name in part.get(key, [])]
        notes[key] = "; ".join(pieces)
    return notes
