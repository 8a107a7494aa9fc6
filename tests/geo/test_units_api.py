"""The public units API: provinces, the communes of a province, one unit; villages stay private."""

import pytest

from caunoi.core.permissions import Role
from caunoi.geo.models import Unit, UnitLevel
from caunoi.geo.services import village_create
from tests.conftest import make_staff

PROBLEM = "application/problem+json"


@pytest.mark.django_db
def test_it_lists_the_124_communes_of_a_province_with_code_name_and_type(client, units):
    response = client.get("/api/v1/units", {"province": "08"})

    assert response.status_code == 200
    items = response.json()
    assert len(items) == 124
    assert [i["code"] for i in items] == sorted(i["code"] for i in items)
    assert sum(i["type"] == "xa" for i in items) == 117
    assert sum(i["type"] == "phuong" for i in items) == 7
    ha_giang_1 = next(i for i in items if i["code"] == "00694")
    assert ha_giang_1["name"] == "Phường Hà Giang 1"
    assert ha_giang_1["name_ascii"] == "phuong ha giang 1"
    assert ha_giang_1["level"] == "commune"
    assert ha_giang_1["parent_code"] == "08"
    assert ha_giang_1["valid_from"] == "2025-07-01"
    assert ha_giang_1["valid_to"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["99", "xyz", "00694"])
def test_an_unknown_province_is_a_404_problem_naming_the_field(client, units, code):
    response = client.get("/api/v1/units", {"province": code})

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["errors"] == [{"field": "province", "message": body["detail"]}]
    assert code in body["detail"]


@pytest.mark.django_db
def test_without_a_province_it_lists_the_provinces(client, units):
    response = client.get("/api/v1/units")

    assert response.status_code == 200
    items = response.json()
    assert [(i["code"], i["level"], i["parent_code"]) for i in items] == [
        ("04", "province", "VN"),
        ("08", "province", "VN"),
    ]
    assert items[1]["name"] == "Tỉnh Tuyên Quang"


@pytest.mark.django_db
def test_one_unit_by_its_code(client, units):
    response = client.get("/api/v1/units/00694")

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["type"], body["parent_code"]) == (
        "00694",
        "Phường Hà Giang 1",
        "phuong",
        "08",
    )
    assert client.get("/api/v1/units/08").json()["type"] == "tinh"


@pytest.mark.django_db
def test_an_unknown_unit_code_is_a_404_problem(client, units):
    response = client.get("/api/v1/units/12345")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "code"


@pytest.mark.django_db
def test_villages_are_not_published(client, units):
    officer = make_staff("xa.thon", Role.COMMUNE_OFFICER, units["commune"])
    village = village_create(commune=units["commune"], name="Thôn Nà Khà", actor=officer)

    detail = client.get(f"/api/v1/units/{village.code}")
    listing = client.get("/api/v1/units", {"province": "08"}).json()

    assert detail.status_code == 404
    assert detail["Content-Type"] == PROBLEM
    assert village.code not in {i["code"] for i in listing}
    assert "Nà Khà" not in detail.content.decode()


@pytest.mark.django_db
def test_retired_communes_are_not_listed(client, units):
    Unit.objects.filter(code="00694").update(valid_to="2025-08-01")

    items = client.get("/api/v1/units", {"province": "08"}).json()

    assert len(items) == 123
    assert "00694" not in {i["code"] for i in items}
    # It still answers by code, with its end date, so old references resolve.
    assert client.get("/api/v1/units/00694").json()["valid_to"] == "2025-08-01"


@pytest.mark.django_db
def test_the_whole_country_is_listed_after_a_national_load(client):
    from caunoi.geo.services import units_load

    units_load()

    provinces = client.get("/api/v1/units").json()
    assert len(provinces) == 34
    assert Unit.objects.filter(level=UnitLevel.COMMUNE).count() == 3321
    assert len(client.get("/api/v1/units", {"province": "01"}).json()) > 100


def test_a_bug_behind_the_api_is_a_problem_500_quoting_the_request_id(client, units, monkeypatch):
    def broken(code: str) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("caunoi.geo.api.province_by_code", broken)
    client.raise_request_exception = False

    response = client.get("/api/v1/units?province=08", HTTP_X_REQUEST_ID="req-bug-0001")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 500 and "req-bug-0001" in problem["detail"]
    assert "secret internal detail" not in response.content.decode()
