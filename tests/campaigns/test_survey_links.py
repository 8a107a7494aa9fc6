"""A campaign carries a survey: each recipient's message holds their own link, which takes one answer."""

from __future__ import annotations

import pytest
from django.test import Client

from caunoi.campaigns import services
from caunoi.campaigns.engine import _message
from caunoi.campaigns.models import Delivery
from caunoi.channels.base import ChannelKind, Recipient
from caunoi.core.errors import ValidationFailed
from caunoi.opinion import services as opinion
from caunoi.opinion.models import SurveyResponse
from tests.campaigns.helpers import approved_campaign, citizens_bulk

pytestmark = pytest.mark.django_db


def _open_survey(personas, unit):
    survey = opinion.survey_create(
        unit=unit, title="Nước sạch", description="", actor=personas.province_admin
    )
    opinion.question_add(
        survey=survey,
        kind="single",
        text="Nhà bạn dùng nước gì?",
        choices=["Nước máy", "Giếng"],
        required=True,
        actor=personas.province_admin,
    )
    return survey


def test_each_recipient_gets_their_own_link_and_answers_once(personas, settings):
    settings.CAUNOI_PUBLIC_URL = "https://caunoi.example.vn"
    u = personas.units
    survey = _open_survey(personas, u["province"])
    survey = opinion.survey_open(survey=survey, actor=personas.province_admin)
    campaign = approved_campaign(
        personas.editor, personas.approver, unit=u["province"], targets=[u["commune"]], survey=survey
    )
    first, second = citizens_bulk(u["commune"], 2)
    variant = campaign.variants.get(language="vi")
    texts = [
        _message(
            campaign, variant, Delivery(campaign=campaign, citizen=c, channel=ChannelKind.SMS), Recipient()
        ).text
        for c in (first, second)
    ]
    links = [text.rsplit(": ", 1)[1] for text in texts]
    assert all(link.startswith("https://caunoi.example.vn/opinion/s/") for link in links)
    assert links[0] != links[1]

    question = survey.questions.get()
    path = links[0].removeprefix("https://caunoi.example.vn")
    assert Client().get(path).status_code == 200
    Client().post(path, {f"q{question.pk}": "0"})
    Client().post(path, {f"q{question.pk}": "1"})  # a second answer through the same link is refused
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_only_an_open_survey_of_the_unit_or_above_can_be_sent(personas):
    u = personas.units
    draft = _open_survey(personas, u["province"])
    with pytest.raises(ValidationFailed) as not_open:
        services.campaign_create(
            unit=u["province"],
            title="Khảo sát",
            body="Mời trả lời.",
            channels=["sms"],
            target_units=[u["commune"]],
            actor=personas.editor,
            survey=draft,
        )
    assert not_open.value.field == "survey"
    sibling = opinion.survey_create(
        unit=u["sibling"], title="Chợ", description="", actor=personas.sibling_officer
    )
    opinion.question_add(
        survey=sibling, kind="text", text="Góp ý?", choices=[], required=False, actor=personas.sibling_officer
    )
    sibling = opinion.survey_open(survey=sibling, actor=personas.sibling_officer)
    with pytest.raises(ValidationFailed) as elsewhere:
        services.campaign_create(
            unit=u["commune"],
            title="Khảo sát",
            body="Mời trả lời.",
            channels=["sms"],
            target_units=[u["commune"]],
            actor=personas.commune_officer,
            survey=sibling,
        )
    assert elsewhere.value.field == "survey"
    assert "another unit" in str(elsewhere.value.message) or "đơn vị khác" in str(elsewhere.value.message)
