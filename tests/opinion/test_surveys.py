"""Surveys: built by an officer, answered once per citizen through a signed link, results only from
k responses, free text redacted and analysed."""

from __future__ import annotations

import pytest
from django.test import Client

from caunoi.accounts.selectors import viewer_for_user
from caunoi.core.errors import InvalidState, NotFound, ValidationFailed
from caunoi.opinion import services
from caunoi.opinion.models import Answer, Survey, SurveyResponse
from caunoi.opinion.selectors import survey_results
from tests.conftest import Personas, login_as
from tests.opinion.helpers import citizens

pytestmark = pytest.mark.django_db


def _survey(p: Personas) -> Survey:
    survey = services.survey_create(
        unit=p.units["commune"], title="Ý kiến về nước sạch", description="", actor=p.commune_officer
    )
    services.question_add(
        survey=survey,
        kind="single",
        text="Nhà bạn dùng nước gì?",
        choices=["Nước máy", "Giếng"],
        required=True,
        actor=p.commune_officer,
    )
    services.question_add(
        survey=survey, kind="scale", text="Mức hài lòng?", choices=[], required=True, actor=p.commune_officer
    )
    services.question_add(
        survey=survey, kind="text", text="Góp ý thêm", choices=[], required=False, actor=p.commune_officer
    )
    return services.survey_open(survey=survey, actor=p.commune_officer)


def test_one_response_per_citizen_through_the_signed_link(personas: Personas, client: Client) -> None:
    survey = _survey(personas)
    person = citizens(personas.units["commune"], 1)[0]
    token = services.survey_link_token(survey=survey, citizen_id=person.pk)
    single, scale, text = survey.questions.all()
    page = client.get(f"/opinion/s/{token}/")
    assert page.status_code == 200 and "Nhà bạn dùng nước gì?" in page.content.decode()
    response = client.post(
        f"/opinion/s/{token}/",
        {
            f"q{single.pk}": "1",
            f"q{scale.pk}": "4",
            f"q{text.pk}": "nước giếng bị đục, mất nước cả tuần, rất bức xúc, gọi tôi 0912 345 678",
        },
    )
    assert response.status_code == 200 and SurveyResponse.objects.count() == 1
    answer = Answer.objects.get(question=text)
    assert "0912" not in answer.text and answer.sentiment == "negative"
    again = client.post(f"/opinion/s/{token}/", {f"q{single.pk}": "0", f"q{scale.pk}": "1"})
    assert again.status_code == 200 and SurveyResponse.objects.count() == 1
    with pytest.raises(InvalidState):
        services.survey_response_submit(token=token, answers={single.pk: "0", scale.pk: "2"})
    respondent = SurveyResponse.objects.get().respondent
    assert len(respondent) == 32 and int(respondent, 16) != person.pk  # a keyed hash, not the id


def test_a_forged_or_foreign_link_is_not_found(personas: Personas, client: Client) -> None:
    survey = _survey(personas)
    token = services.survey_link_token(survey=survey, citizen_id=citizens(personas.units["commune"], 1)[0].pk)
    assert client.get(f"/opinion/s/{token[:-2]}xx/").status_code == 404
    with pytest.raises(NotFound):
        services.survey_link_read("not-a-token")


def test_answers_are_validated(personas: Personas) -> None:
    survey = _survey(personas)
    single, scale, _text = survey.questions.all()
    token = services.survey_link_token(survey=survey, citizen_id=citizens(personas.units["commune"], 1)[0].pk)
    with pytest.raises(ValidationFailed):
        services.survey_response_submit(token=token, answers={single.pk: "7", scale.pk: "3"})
    with pytest.raises(ValidationFailed):
        services.survey_response_submit(token=token, answers={single.pk: "0", scale.pk: "9"})
    with pytest.raises(ValidationFailed):
        services.survey_response_submit(token=token, answers={scale.pk: "3"})  # a required one missing
    assert not SurveyResponse.objects.exists()


def test_results_appear_from_k_responses_and_texts_only_for_inbox_readers(personas: Personas) -> None:
    survey = _survey(personas)
    single, scale, text = survey.questions.all()
    people = citizens(personas.units["commune"], 5)
    for n, person in enumerate(people[:4]):
        token = services.survey_link_token(survey=survey, citizen_id=person.pk)
        services.survey_response_submit(
            token=token, answers={single.pk: "0", scale.pk: str(n + 1), text.pk: "tốt"}
        )
    officer = viewer_for_user(personas.commune_officer)
    assert survey_results(viewer=officer, survey=survey).suppressed
    token = services.survey_link_token(survey=survey, citizen_id=people[4].pk)
    services.survey_response_submit(token=token, answers={single.pk: "1", scale.pk: "5"})
    results = survey_results(viewer=officer, survey=survey)
    assert not results.suppressed and results.responses == 5
    by_kind = {r.question.kind: r for r in results.questions}
    assert by_kind["single"].counts == [("Nước máy", 4), ("Giếng", 1)]
    assert by_kind["scale"].mean == 3.0
    assert by_kind["text"].texts == ["tốt"] * 4
    editor = viewer_for_user(personas.editor)  # sees the province's aggregates, not texts
    assert survey_results(viewer=editor, survey=survey).questions[2].texts == []


def test_survey_pages_and_scope(personas: Personas, client: Client) -> None:
    survey = _survey(personas)
    login_as(client, personas.commune_officer)
    assert client.get("/opinion/surveys/").status_code == 200
    page = client.get(f"/opinion/surveys/{survey.pk}/")
    assert page.status_code == 200 and "Ý kiến về nước sạch" in page.content.decode()
    assert " style=" not in page.content.decode()
    created = client.post("/opinion/surveys/", {"title": "Khảo sát mới", "description": ""})
    assert created.status_code == 302
    assert Survey.objects.filter(title="Khảo sát mới", unit=personas.units["commune"]).exists()
    login_as(client, personas.sibling_officer)
    assert client.get(f"/opinion/surveys/{survey.pk}/").status_code == 404
    assert client.post(f"/opinion/surveys/{survey.pk}/close/").status_code == 404
