"""ZNS in campaigns: values filled for each resident, and a template's purpose checked against the
consent the recipients gave — on the form, in the service and (in test_engine_live) at send time."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from caunoi.campaigns import engine, services, zns
from caunoi.campaigns.models import Campaign, Delivery
from caunoi.channels.base import ChannelKind, Recipient
from caunoi.channels.models import ZaloAccount, ZaloAccountStatus, ZnsTemplateRecord
from caunoi.citizens.models import ConsentPurpose
from caunoi.core.errors import ValidationFailed
from tests.campaigns.helpers import citizens_bulk
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

SCHEDULE = {"citizen_name": 30, "date": 20, "place": 80}  # "Lịch tiếp công dân" as Zalo describes it


@pytest.fixture
def templates(personas: Any) -> dict[str, ZnsTemplateRecord]:
    account = ZaloAccount.objects.create(
        unit=personas.units["province"], oa_id="1", app_id="1", status=ZaloAccountStatus.CONNECTED
    )
    now = timezone.now()
    return {
        purpose or "none": ZnsTemplateRecord.objects.create(
            account=account,
            template_id=f"41000{i}",
            name="Lịch tiếp công dân",
            params=SCHEDULE,
            purpose=purpose,
            synced_at=now,
        )
        for i, purpose in enumerate(["news", "surveys", ""], 1)
    }


def create(personas: Any, template_id: str, params: dict[str, str]) -> Any:
    u = personas.units
    return services.campaign_create(
        unit=u["province"],
        title="Lịch tiếp công dân",
        body="Lãnh đạo phường tiếp công dân.",
        channels=["zns"],
        target_units=[u["commune"]],
        actor=personas.editor,
        zns_template_id=template_id,
        zns_params=params,
    )


GOOD = {"citizen_name": "{name}", "date": "Thứ Hai 1/12", "place": "UBND {commune}"}


def test_a_template_registered_for_another_purpose_is_refused_with_the_reason(personas, templates):
    with pytest.raises(ValidationFailed) as refused:
        create(personas, templates["surveys"].template_id, GOOD)
    assert refused.value.field == "zns_template_id"
    message = refused.value.message
    assert str(ConsentPurpose.SURVEYS.label) in message and str(ConsentPurpose.NEWS.label) in message
    with pytest.raises(ValidationFailed) as none:
        create(personas, templates["none"].template_id, GOOD)
    assert none.value.field == "zns_template_id" and templates["none"].template_id in none.value.message
    with pytest.raises(ValidationFailed) as missing:
        create(personas, "999999", GOOD)
    assert missing.value.field == "zns_template_id"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"citizen_name": "{name}", "date": "1/12"}, "place"),  # one missing
        ({**GOOD, "otp": "1"}, "otp"),  # not the template's
        ({**GOOD, "citizen_name": "{ho_ten}"}, "{ho_ten}"),  # not a resident field
        ({**GOOD, "date": "x" * 21}, "20"),  # over the template's limit
    ],
)
def test_values_are_checked_against_the_template(personas, templates, params, says):
    with pytest.raises(ValidationFailed) as refused:
        create(personas, templates["news"].template_id, params)
    assert refused.value.field == "zns_params" and says in refused.value.message


def test_each_resident_gets_their_own_values(personas, templates):
    campaign = create(personas, templates["news"].template_id, GOOD)
    assert campaign.zns_params == GOOD
    person = citizens_bulk(personas.units["commune"], 1)[0]
    delivery = Delivery.objects.create(
        campaign=campaign,
        citizen=person,
        unit=personas.units["commune"],
        channel=ChannelKind.ZNS,
        next_attempt_at=timezone.now(),
        created_at=timezone.now(),
    )
    message = engine._message(campaign, campaign.variants.get(), delivery, Recipient(phone=person.phone))
    assert message.template_params == {
        "citizen_name": person.display_name,
        "date": "Thứ Hai 1/12",
        "place": f"UBND {personas.units['commune'].name}",
    }
    assert zns.params_fill({"ref": "Mã {reference}"}, {"reference": "CN1-2"}) == {"ref": "Mã CN1-2"}


def test_the_form_shows_the_purpose_error_next_to_the_template(client, personas, templates):
    login_as(client, personas.editor)
    u = personas.units
    response = client.post(
        reverse("campaigns:create"),
        {
            "unit": u["province"].pk,
            "title": "Lịch tiếp công dân",
            "body": "Lãnh đạo phường tiếp công dân.",
            "target_units": [u["commune"].pk],
            "channels": ["zns"],
            "fallback": "zalo,zns,sms,email",
            "zns_template_id": templates["surveys"].template_id,
            "zns_params": "citizen_name = {name}\ndate = Thứ Hai 1/12\nplace = UBND {commune}",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "zns_template_id" in errors and str(ConsentPurpose.SURVEYS.label) in errors["zns_template_id"][0]
    response = client.post(
        reverse("campaigns:create"),
        {
            "unit": u["province"].pk,
            "title": "Lịch tiếp công dân",
            "body": "Lãnh đạo phường tiếp công dân.",
            "target_units": [u["commune"].pk],
            "channels": ["zns"],
            "fallback": "zalo,zns,sms,email",
            "zns_template_id": templates["news"].template_id,
            "zns_params": "citizen_name = {name}\ndate = Thứ Hai 1/12\nplace = UBND {commune}",
        },
    )
    assert response.status_code == 302
    assert Campaign.objects.get(title="Lịch tiếp công dân").zns_params == GOOD


def test_the_api_answers_422_problem_json_for_a_template_of_another_purpose(client, personas, templates):
    login_as(client, personas.editor)
    body = {
        "unit_code": "08",
        "title": "Lịch tiếp công dân",
        "body": "Lãnh đạo phường tiếp công dân.",
        "channels": ["zns"],
        "target_unit_codes": ["00694"],
        "zns_template_id": templates["surveys"].template_id,
        "zns_params": GOOD,
    }
    refused = client.post("/api/v1/campaigns", body, content_type="application/json")
    assert refused.status_code == 422 and refused["Content-Type"].startswith("application/problem+json")
    assert str(ConsentPurpose.SURVEYS.label) in refused.content.decode()
    body["zns_template_id"] = templates["news"].template_id
    created = client.post("/api/v1/campaigns", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert Campaign.objects.get(pk=created.json()["id"]).zns_params == GOOD
