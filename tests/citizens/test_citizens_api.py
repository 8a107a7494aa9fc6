"""The citizens API: 201 on create, consents only when sent, and 422 problem+json naming the field."""

import json

import pytest

from caunoi.citizens.consent_texts import WORDING_VERSION, consent_wording
from caunoi.citizens.models import Citizen
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/citizens"


@pytest.fixture
def officer_client(client, personas):
    return login_as(client, personas.commune_officer)


def post(client, url, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=raw, content_type="application/json")


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def test_it_creates_a_citizen_with_no_consent_by_default(officer_client, personas):
    response = post(officer_client, URL, {"home_unit_code": "00694", "display_name": "Chị Ma Thị Dung"})

    body = response.json()
    citizen = Citizen.objects.get(pk=body["id"])
    assert response.status_code == 201
    assert body["consents"] == []
    assert body["home_unit_code"] == "00694"
    assert body["preferred_language"] == "vi"
    assert not citizen.consents.exists()
    assert citizen.created_by == personas.commune_officer


def test_it_records_the_consents_sent_with_wording_and_version(officer_client):
    response = post(
        officer_client,
        URL,
        {
            "home_unit_code": "00694",
            "display_name": "Chị Ma Thị Dung",
            "phone": "+84 912 000 333",
            "consents": ["feedback", "contact"],
            "consent_source": "phone",
        },
    )

    body = response.json()
    citizen = Citizen.objects.get(pk=body["id"])
    assert response.status_code == 201
    assert body["phone"] == "84912000333"
    assert sorted(c["purpose"] for c in body["consents"]) == ["contact", "feedback"]
    assert {c["wording_version"] for c in body["consents"]} == {WORDING_VERSION}
    for consent in citizen.consents.all():
        assert consent.wording == consent_wording(consent.purpose)
        assert consent.source == "phone"


def test_an_invalid_phone_is_a_422_naming_phone(officer_client):
    response = post(officer_client, URL, {"home_unit_code": "00694", "phone": "123"})

    assert_problem(response, 422, "phone")
    assert not Citizen.objects.filter(phone="123").exists()


@pytest.mark.parametrize("raw", ['{"home_unit_code": "00694",', "{bad json", "null x"])
def test_a_malformed_json_body_is_a_422_naming_the_body(officer_client, raw):
    count = Citizen.objects.count()

    response = post(officer_client, URL, raw)

    body = assert_problem(response, 422, "body")
    assert body["detail"]
    assert Citizen.objects.count() == count


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "home_unit_code"),
        ({"home_unit_code": 694}, "home_unit_code"),
        ({"home_unit_code": "00694", "consents": ["marketing"]}, "consents.0"),
        ({"home_unit_code": "00694", "consents": "news"}, "consents"),
        ({"home_unit_code": "00694", "consent_source": "rumour"}, "consent_source"),
        ({"home_unit_code": "00694", "display_name": "x" * 121}, "display_name"),
        ({"home_unit_code": "00694", "email": "not-an-email"}, "email"),
        ({"home_unit_code": "00694", "preferred_language": "klingon"}, "preferred_language"),
        ({"home_unit_code": "00691"}, "home_unit_code"),  # the sibling commune: not in this officer's area
        ({"home_unit_code": "08"}, "home_unit_code"),  # a province is not a home
        ([1, 2], "home_unit_code"),
    ],
)
def test_a_schema_error_is_a_422_naming_the_field(officer_client, body, field):
    count = Citizen.objects.count()

    response = post(officer_client, URL, body)

    assert_problem(response, 422, field)
    assert Citizen.objects.count() == count


def test_an_empty_body_is_a_422_naming_the_body(officer_client):
    response = officer_client.post(URL, data="", content_type="application/json")

    assert_problem(response, 422, "body")


@pytest.mark.parametrize(("query", "field"), [({"limit": 0}, "limit"), ({"offset": -1}, "offset")])
def test_bad_paging_is_a_422_naming_the_parameter(officer_client, query, field):
    assert_problem(officer_client.get(URL, query), 422, field)


def test_paging_and_search(officer_client, personas):
    for name in ("Anh Một", "Anh Hai", "Anh Ba"):
        post(officer_client, URL, {"home_unit_code": "00694", "display_name": name})

    page = officer_client.get(URL, {"limit": 2, "offset": 1}).json()
    found = officer_client.get(URL, {"q": "anh hai"}).json()

    assert page["count"] == 4
    assert len(page["items"]) == 2
    assert [c["display_name"] for c in found["items"]] == ["Anh Hai"]


def test_a_second_active_consent_for_a_purpose_is_a_409(officer_client, personas):
    citizen = personas.citizen  # already consents to news

    response = post(officer_client, f"{URL}/{citizen.pk}/consents", {"purpose": "news"})

    assert_problem(response, 409)
    assert citizen.consents.filter(purpose="news").count() == 1


def test_withdraw_then_grant_again_through_the_api(officer_client, personas):
    citizen = personas.citizen

    withdrawn = post(officer_client, f"{URL}/{citizen.pk}/consents/news/withdraw", {})
    again = post(officer_client, f"{URL}/{citizen.pk}/consents", {"purpose": "news", "source": "phone"})
    nothing_left = post(officer_client, f"{URL}/{citizen.pk}/consents/contact/withdraw", {})

    assert withdrawn.status_code == 200
    assert [c["withdrawn_at"] is not None for c in withdrawn.json()["consents"]] == [True]
    assert again.status_code == 201
    assert citizen.consents.filter(purpose="news").count() == 2
    assert citizen.consents.active().filter(purpose="news").count() == 1
    assert_problem(nothing_left, 404, "purpose")


def test_an_unknown_consent_purpose_in_the_path_is_a_422(officer_client, personas):
    response = post(officer_client, f"{URL}/{personas.citizen.pk}/consents/gossip/withdraw", {})

    assert_problem(response, 422, "purpose")


@pytest.mark.parametrize(
    ("body", "field"), [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "   "}, "reason")]
)
def test_erase_without_a_reason_is_a_422(officer_client, personas, body, field):
    response = post(officer_client, f"{URL}/{personas.citizen.pk}/erase", body)

    assert_problem(response, 422, field)
    personas.citizen.refresh_from_db()
    assert personas.citizen.erased_at is None


def test_erase_through_the_api_then_again_is_a_409(officer_client, personas):
    citizen = personas.citizen

    first = post(officer_client, f"{URL}/{citizen.pk}/erase", {"reason": "Yêu cầu của người dân"})
    second = post(officer_client, f"{URL}/{citizen.pk}/erase", {"reason": "Lần nữa"})
    listed = officer_client.get(URL).json()

    assert first.status_code == 200
    assert first.json()["erased"] is True
    assert first.json()["display_name"] == first.json()["phone"] == ""
    assert_problem(second, 409)
    assert citizen.pk not in [c["id"] for c in listed["items"]]


def test_granting_a_consent_to_an_erased_citizen_is_a_409(officer_client, personas):
    citizen = personas.citizen
    post(officer_client, f"{URL}/{citizen.pk}/erase", {"reason": "Yêu cầu của người dân"})

    response = post(officer_client, f"{URL}/{citizen.pk}/consents", {"purpose": "surveys"})

    assert_problem(response, 409)
    assert not citizen.consents.filter(purpose="surveys").exists()


def test_the_api_export_returns_everything_held(officer_client, personas):
    response = officer_client.get(f"{URL}/{personas.citizen.pk}/export")

    body = response.json()
    assert response.status_code == 200
    assert body["citizen"]["display_name"] == "Chị Lò Thị Hoa"
    assert body["citizen"]["phone"] == "84912345678"
    assert body["citizen"]["home_unit"]["code"] == "00694"
    assert [c["purpose"] for c in body["consents"]] == ["news"]


def test_a_session_write_needs_the_csrf_token(personas):
    from django.test import Client

    strict = login_as(Client(enforce_csrf_checks=True), personas.commune_officer)

    response = post(strict, URL, {"home_unit_code": "00694", "display_name": "Không có CSRF"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert not Citizen.objects.filter(display_name="Không có CSRF").exists()
