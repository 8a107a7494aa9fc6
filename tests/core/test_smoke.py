import pytest

from caunoi.geo.models import Unit


@pytest.mark.django_db
def test_units_fixture_loads_tuyen_quang(units):
    assert Unit.objects.filter(parent=units["province"]).count() == 124
