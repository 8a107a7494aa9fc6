"""Recording and editing citizens in the web pages: minimal fields, consents only when ticked."""

import re

import pytest

from caunoi.citizens.consent_texts import WORDING_VERSION, consent_wording
from caunoi.citizens.models import Citizen, Consent
from caunoi.core.models import AuditEvent
from caunoi.geo.services import village_create
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def citizen_form(unit, **overrides):
    data = {
        "display_name": "Anh Triệu Văn Pao",
        "phone": "0977 123 456",
        "email": "",
        "home_unit": unit.pk,
        "preferred_language": "dao",
        "consent_source": "in_person",
    }
    data.update(overrides)
    return data


def test_the_new_citizen_form_has_every_consent_unticked(client, personas):
    login_as(client, personas.commune_officer)

    response = client.get("/citizens/new/")

    html = response.content.decode()
    boxes = re.findall(r"<input[^>]*name=\"consents\"[^>]*>", html)
    assert response.status_code == 200
    assert len(boxes) == 4
    assert not any("checked" in box for box in boxes)
    assert consent_wording("news") in html, "the officer reads the exact wording to the citizen"


def test_it_records_a_citizen_without_consent_when_none_is_ticked(client, personas):
    officer = personas.commune_officer
    login_as(client, officer)

    response = client.post("/citizens/new/", citizen_form(personas.units["commune"]))

    citizen = Citizen.objects.get(display_name="Anh Triệu Văn Pao")
    assert response.status_code == 302
    assert response["Location"] == f"/citizens/{citizen.pk}/"
    assert citizen.phone == "84977123456"
    assert citizen.preferred_language == "dao"
    assert citizen.home_unit == personas.units["commune"]
    assert citizen.created_by == officer
    assert not citizen.consents.exists()
    event = AuditEvent.objects.get(action="citizen.create", object_id=str(citizen.pk))
    assert (event.actor, event.unit_id) == (officer, personas.units["commune"].pk)


def test_it_records_exactly_the_ticked_consents_with_their_wording(client, personas):
    login_as(client, personas.commune_officer)
    village = village_create(
        commune=personas.units["commune"], name="Thôn Nà Khà", actor=personas.commune_officer
    )

    client.post("/citizens/new/", citizen_form(village, consents=["news", "surveys"], consent_source="phone"))

    citizen = Citizen.objects.get(display_name="Anh Triệu Văn Pao")
    consents = {c.purpose: c for c in citizen.consents.all()}
    assert citizen.home_unit == village
    assert set(consents) == {"news", "surveys"}
    for purpose, consent in consents.items():
        assert consent.wording == consent_wording(purpose)
        assert consent.wording_version == WORDING_VERSION
        assert consent.source == "phone"
        assert consent.recorded_by == personas.commune_officer
        assert consent.withdrawn_at is None
    assert AuditEvent.objects.filter(action="consent.grant", object_id=str(citizen.pk)).count() == 2


@pytest.mark.parametrize("phone", ["12345", "0012 345 678", "số điện thoại"])
def test_it_shows_an_invalid_phone_as_a_form_error(client, personas, phone):
    login_as(client, personas.commune_officer)

    response = client.post(
        "/citizens/new/", citizen_form(personas.units["commune"], phone=phone, consents=["news"])
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["phone"]
    assert not Citizen.objects.filter(display_name="Anh Triệu Văn Pao").exists()
    assert not Consent.objects.filter(purpose="news").exclude(citizen=personas.citizen).exists()


def test_it_refuses_a_home_unit_outside_the_officers_commune(client, personas):
    login_as(client, personas.commune_officer)

    response = client.post("/citizens/new/", citizen_form(personas.units["sibling"]))

    assert response.status_code == 200
    assert "home_unit" in response.context["form"].errors
    assert not Citizen.objects.filter(display_name="Anh Triệu Văn Pao").exists()


def test_editing_audits_field_names_but_not_values(client, personas):
    citizen = personas.citizen
    login_as(client, personas.commune_officer)

    response = client.post(
        f"/citizens/{citizen.pk}/edit/",
        {
            "display_name": citizen.display_name,
            "phone": "0915 000 111",
            "email": "hoa.lo@example.vn",
            "home_unit": citizen.home_unit_id,
            "preferred_language": "tay",
        },
    )

    citizen.refresh_from_db()
    event = AuditEvent.objects.get(action="citizen.update")
    assert response.status_code == 302
    assert (citizen.phone, citizen.email, citizen.preferred_language) == (
        "84915000111",
        "hoa.lo@example.vn",
        "tay",
    )
    assert sorted(event.summary["after"]["fields"]) == ["email", "phone", "preferred_language"]
    assert "84915000111" not in str(event.summary)
    assert "hoa.lo" not in str(event.summary)


@pytest.mark.parametrize("search", ["lo thi hoa", "Lò Thị", "0912345678", "912 345 678"])
def test_the_list_finds_a_citizen_by_folded_name_or_phone(client, personas, search):
    login_as(client, personas.commune_officer)

    response = client.get("/citizens/", {"q": search})

    assert [c.pk for c in response.context["page"].object_list] == [personas.citizen.pk]


def test_the_list_search_misses_cleanly(client, personas):
    login_as(client, personas.commune_officer)

    response = client.get("/citizens/", {"q": "không có ai"})

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


def test_the_list_answers_htmx_with_rows_only(client, personas):
    login_as(client, personas.commune_officer)

    response = client.get("/citizens/", {"q": "hoa"}, HTTP_HX_REQUEST="true")

    assert response.templates[0].name == "citizens/_rows.html"
    assert "<html" not in response.content.decode()
