"""Villages (thôn, bản, tổ dân phố) are added by their commune: coded under it, unique by name whatever
the diacritics, and audited."""

import pytest

from caunoi.core.errors import ValidationFailed
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit, UnitLevel, UnitType
from caunoi.geo.services import village_create
from tests.conftest import make_staff


@pytest.fixture
def officer(units):
    return make_staff("xa.thon", Role.COMMUNE_OFFICER, units["commune"])


@pytest.mark.django_db
def test_a_village_gets_a_code_and_path_under_its_commune(units, officer):
    commune = units["commune"]

    first = village_create(commune=commune, name="Thôn Nà Khà", actor=officer)
    second = village_create(
        commune=commune, name="Tổ dân phố 5", unit_type=UnitType.RESIDENTIAL_GROUP, actor=officer
    )

    assert (first.code, second.code) == ("00694-001", "00694-002")
    assert first.parent == commune
    assert first.path == "VN/08/00694/00694-001/"
    assert (first.level, first.unit_type) == (UnitLevel.VILLAGE, UnitType.VILLAGE)
    assert second.unit_type == UnitType.RESIDENTIAL_GROUP
    assert first.name_folded == "thon na kha"
    assert list(Unit.objects.within(commune).filter(level=UnitLevel.VILLAGE)) == [first, second]


@pytest.mark.django_db
@pytest.mark.parametrize("duplicate", ["Thôn Nà Khà", "thon na kha", "  THÔN NÀ KHÀ ", "Thôn Nà Kha"])
def test_a_second_village_with_the_same_name_is_refused_with_or_without_diacritics(units, officer, duplicate):
    village_create(commune=units["commune"], name="Thôn Nà Khà", actor=officer)

    with pytest.raises(ValidationFailed) as caught:
        village_create(commune=units["commune"], name=duplicate, actor=officer)

    assert caught.value.field == "name"
    assert Unit.objects.filter(parent=units["commune"], level=UnitLevel.VILLAGE).count() == 1


@pytest.mark.django_db
def test_the_same_village_name_is_allowed_in_another_commune(units, officer):
    village_create(commune=units["commune"], name="Thôn Nà Khà", actor=officer)

    other = village_create(commune=units["sibling"], name="Thôn Nà Khà", actor=officer)

    assert other.code == "00691-001"


@pytest.mark.django_db
def test_creating_a_village_writes_an_audit_row(units, officer):
    village = village_create(commune=units["commune"], name="Bản Lũng Hoà", actor=officer)

    event = AuditEvent.objects.get(action="village.create")
    assert event.actor == officer
    assert event.actor_label == "xa.thon"
    assert (event.unit_id, event.unit_path) == (units["commune"].pk, "VN/08/00694/")
    assert event.unit_label == "Phường Hà Giang 1"
    assert (event.object_type, event.object_id) == ("geo.unit", str(village.pk))
    assert event.summary == {"after": {"name": "Bản Lũng Hoà"}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parent_key", "name", "unit_type", "field"),
    [
        ("province", "Thôn Một", UnitType.VILLAGE, "commune"),
        ("commune", "   ", UnitType.VILLAGE, "name"),
        ("commune", "Thôn Một", UnitType.WARD, "unit_type"),
    ],
)
def test_bad_village_input_is_refused_naming_the_field(units, officer, parent_key, name, unit_type, field):
    with pytest.raises(ValidationFailed) as caught:
        village_create(commune=units[parent_key], name=name, unit_type=unit_type, actor=officer)

    assert caught.value.field == field
    assert not Unit.objects.filter(level=UnitLevel.VILLAGE).exists()
    assert not AuditEvent.objects.filter(action="village.create").exists()
