"""The unit loader against the real national list (vietnamadminunits), cross-checked with the CSV kept in
../shared/data: counts, codes, names, idempotence, renames, retirements and the "formed from" notes."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from caunoi.core.errors import NotFound
from caunoi.core.models import AuditEvent
from caunoi.geo.models import Unit, UnitLevel, UnitType
from caunoi.geo.services import units_load

CSV_PATH = Path("/work/shared/data/tuyen-quang-units.csv")
CSV_TYPES = {"xã": UnitType.COMMUNE, "phường": UnitType.WARD}
TUYEN_QUANG = "08"


def tuyen_quang_rows() -> list[dict[str, str]]:
    if not CSV_PATH.exists():
        pytest.skip(f"{CSV_PATH} is not on this machine")
    with CSV_PATH.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(autouse=True)
def no_units_yet(request: pytest.FixtureRequest) -> None:
    """These tests load from nothing: the provinces the session preloads are removed inside the test's
    own transaction (rolled back after it), so the next test finds them again."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        Unit.objects.all()._raw_delete(Unit.objects.db)


def communes_of(province_code: str):
    return Unit.objects.filter(parent__code=province_code, level=UnitLevel.COMMUNE)


@pytest.mark.django_db
def test_it_loads_the_124_communes_of_tuyen_quang_117_xa_and_7_phuong():
    report = units_load(province_code=TUYEN_QUANG)

    assert (report.provinces_created, report.communes_created) == (1, 124)
    assert report.communes_retired == 0
    communes = communes_of(TUYEN_QUANG)
    assert communes.count() == 124
    assert communes.filter(unit_type=UnitType.COMMUNE).count() == 117
    assert communes.filter(unit_type=UnitType.WARD).count() == 7
    province = Unit.objects.get(code=TUYEN_QUANG)
    assert (province.name, province.level, getattr(province.parent, "code", None)) == (
        "Tỉnh Tuyên Quang",
        "province",
        "VN",
    )
    assert province.path == "VN/08/"
    assert all(c.path == f"VN/08/{c.code}/" for c in communes)
    assert all(c.valid_from == dt.date(2025, 7, 1) and c.valid_to is None for c in communes)


@pytest.mark.django_db
def test_every_commune_matches_the_tuyen_quang_csv_by_code_name_and_type():
    rows = tuyen_quang_rows()
    assert len(rows) == 124
    units_load(province_code=TUYEN_QUANG)
    loaded = {u.code: u for u in communes_of(TUYEN_QUANG)}

    assert set(loaded) == {row["ward_code"] for row in rows}
    for row in rows:
        unit = loaded[row["ward_code"]]
        # Five names exist in two tone-mark spellings (Hoà/Hòa, Thuỷ/Thủy); either is the same unit.
        accepted = {row["name"], row["name_variant"]} - {""}
        assert unit.name in accepted, (row["ward_code"], unit.name, accepted)
        assert unit.unit_type == CSV_TYPES[row["type"]], row["ward_code"]
        assert unit.short_name in {name.split(" ", 1)[1] for name in accepted}, row["ward_code"]


@pytest.mark.django_db
def test_names_are_stored_in_nfc_and_folded_for_search():
    units_load(province_code=TUYEN_QUANG)
    unit = Unit.objects.get(code="00694")

    assert unit.name == "Phường Hà Giang 1"
    assert unit.name_folded == "phuong ha giang 1"
    assert Unit.objects.get(code="00721").name_folded == "xa dong van"  # Đồng Văn: đ folds to d


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    earlier = AuditEvent.objects.filter(action="units.load").count()
    units_load(province_code=TUYEN_QUANG)
    before = dict(Unit.objects.values_list("code", "pk"))
    audit_rows = AuditEvent.objects.filter(action="units.load").count()

    report = units_load(province_code=TUYEN_QUANG)

    assert not report.changed
    assert (report.provinces_created, report.communes_created) == (0, 0)
    assert (report.provinces_updated, report.communes_updated, report.communes_retired) == (0, 0, 0)
    assert dict(Unit.objects.values_list("code", "pk")) == before
    assert communes_of(TUYEN_QUANG).count() == 124
    # Nothing changed, so nothing is audited either.
    assert AuditEvent.objects.filter(action="units.load").count() == audit_rows == earlier + 1


@pytest.mark.django_db
def test_a_renamed_unit_is_updated_in_place_and_keeps_its_old_name():
    units_load(province_code=TUYEN_QUANG)
    unit = Unit.objects.get(code="00694")
    # Our database still has the name the unit had before; the national list has the new one.
    Unit.objects.filter(pk=unit.pk).update(name="Phường Nguyễn Trãi", name_folded="phuong nguyen trai")

    report = units_load(province_code=TUYEN_QUANG)

    unit.refresh_from_db()
    assert unit.name == "Phường Hà Giang 1"
    assert unit.name_folded == "phuong ha giang 1"
    assert unit.name_history == [{"name": "Phường Nguyễn Trãi", "until": timezone.localdate().isoformat()}]
    assert report.communes_updated == 1
    assert report.communes_created == 0
    assert report.renamed == ["Phường Nguyễn Trãi → Phường Hà Giang 1"]
    assert Unit.objects.filter(code="00694").count() == 1
    assert communes_of(TUYEN_QUANG).count() == 124
    event = AuditEvent.objects.filter(action="units.load").first()
    assert event is not None
    assert event.summary["after"]["renamed"] == ["Phường Nguyễn Trãi → Phường Hà Giang 1"]


@pytest.mark.django_db
def test_a_commune_missing_from_the_national_list_is_retired_not_deleted():
    units_load(province_code=TUYEN_QUANG)
    province = Unit.objects.get(code=TUYEN_QUANG)
    gone = Unit.objects.create(
        code="99990",
        name="Xã Đã Sáp Nhập",
        short_name="Đã Sáp Nhập",
        name_folded="xa da sap nhap",
        level=UnitLevel.COMMUNE,
        unit_type=UnitType.COMMUNE,
        parent=province,
        path="VN/08/99990/",
        valid_from=dt.date(2025, 7, 1),
    )

    report = units_load(province_code=TUYEN_QUANG)

    gone.refresh_from_db()  # still there: citizens and petitions may point at it
    assert gone.valid_to == timezone.localdate()
    assert not gone.is_active
    assert report.communes_retired == 1
    assert report.communes_created == 0
    assert communes_of(TUYEN_QUANG).count() == 125
    assert Unit.objects.active().filter(parent=province, level=UnitLevel.COMMUNE).count() == 124

    # Loading again does not retire it a second time.
    assert units_load(province_code=TUYEN_QUANG).communes_retired == 0


@pytest.mark.django_db
def test_a_retired_commune_that_is_listed_again_becomes_active_again():
    units_load(province_code=TUYEN_QUANG)
    Unit.objects.filter(code="00694").update(valid_to=dt.date(2025, 8, 1))
    assert not Unit.objects.get(code="00694").is_active

    report = units_load(province_code=TUYEN_QUANG)

    assert Unit.objects.get(code="00694").valid_to is None
    assert report.communes_updated == 1


@pytest.mark.django_db
def test_an_unknown_province_code_raises_not_found_naming_the_field():
    with pytest.raises(NotFound) as caught:
        units_load(province_code="99")

    assert caught.value.field == "province"
    assert "99" in caught.value.message
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_formed_from_notes_name_the_units_each_commune_was_merged_from():
    units_load(province_code=TUYEN_QUANG)

    ha_giang_1 = Unit.objects.get(code="00694")
    assert "Phường Nguyễn Trãi" in ha_giang_1.formed_from
    assert "Xã Phương Thiện" in ha_giang_1.formed_from
    assert "một phần Phường Quang Trung" in ha_giang_1.formed_from
    assert communes_of(TUYEN_QUANG).filter(formed_from="").count() == 0


@pytest.mark.django_db
def test_it_loads_the_whole_country_34_provinces_and_3321_communes():
    report = units_load()

    assert report.provinces_created == 34
    assert report.communes_created == 3321
    assert Unit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    assert Unit.objects.filter(level=UnitLevel.COMMUNE).count() == 3321
    assert Unit.objects.filter(level=UnitLevel.COMMUNE, unit_type=UnitType.SPECIAL_ZONE).exists()
    assert set(Unit.objects.filter(level=UnitLevel.PROVINCE).values_list("unit_type", flat=True)) == {
        UnitType.PROVINCE,
        UnitType.CITY,
    }
    assert communes_of(TUYEN_QUANG).count() == 124
    assert Unit.objects.get(code="01").name == "Thành phố Hà Nội"
