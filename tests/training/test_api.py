"""The training API: scoped lists, quiz submission, assignments, and problem+json for bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from caunoi.accounts.services import api_token_create
from caunoi.core.permissions import Role
from caunoi.training.models import Enrollment
from tests.conftest import login_as, make_staff
from tests.training.helpers import answers, assign, build_course, finish

pytestmark = pytest.mark.django_db

BASE = "/api/v1/training"


def post(client, url, body):
    return client.post(
        url, data=body if isinstance(body, str) else json.dumps(body), content_type="application/json"
    )


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.fixture
def course(personas):
    course = build_course(unit=personas.units["province"], actor=personas.editor)
    assign(course, personas.units["province"], personas.editor)
    return course


def test_a_learner_lists_their_courses_and_submits_the_quiz(client, personas, course):
    c = login_as(client, personas.commune_officer)
    listed = c.get(f"{BASE}/courses").json()
    assert [x["id"] for x in listed["items"]] == [course.pk]
    detail = c.get(f"{BASE}/courses/{course.pk}").json()
    assert [len(q["choices"]) for q in detail["questions"]] == [3, 3, 3, 3]
    assert "is_correct" not in json.dumps(detail)  # the answers are not given away

    result = post(c, f"{BASE}/courses/{course.pk}/quiz", {"answers": answers(course, wrong=1)})
    assert result.status_code == 200
    assert result.json() == {"correct": 3, "total": 4, "percent": 75, "passed": True, "completed": False}
    mine = c.get(f"{BASE}/me/enrollments").json()
    assert mine[0]["course_id"] == course.pk and mine[0]["certificate_code"] is None


def test_an_answer_to_a_question_not_in_the_quiz_is_a_422_problem(client, personas, course):
    c = login_as(client, personas.commune_officer)
    body = {"answers": {**{str(k): v for k, v in answers(course).items()}, "999999": [1]}}
    problem = assert_problem(post(c, f"{BASE}/courses/{course.pk}/quiz", body), 422, field="answers")
    assert "999999" in problem["detail"]


def test_malformed_answers_are_a_422_problem(client, personas, course):
    c = login_as(client, personas.commune_officer)
    assert_problem(post(c, f"{BASE}/courses/{course.pk}/quiz", {"answers": {"1": "x"}}), 422)
    assert_problem(post(c, f"{BASE}/courses/{course.pk}/quiz", "{not json"), 422)


def test_submitting_to_a_course_one_is_not_enrolled_in_is_a_404_problem(client, personas, course):
    c = login_as(client, personas.other_province_officer)
    assert_problem(post(c, f"{BASE}/courses/{course.pk}/quiz", {"answers": {}}), 404)
    assert_problem(c.get(f"{BASE}/courses/{course.pk}"), 404)


def test_managers_assign_by_api_within_their_units_only(client, personas, course):
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    c = login_as(client, personas.editor)
    created = post(
        c,
        f"{BASE}/assignments",
        {"course_id": course.pk, "unit_code": "00694", "role": "reporter", "due_on": due},
    )
    assert created.status_code == 201, created.content
    assert Enrollment.objects.filter(course=course, user=personas.reporter).exists()
    assert {a["unit_code"] for a in c.get(f"{BASE}/assignments").json()} == {"08", "00694"}

    assert_problem(
        post(
            c,
            f"{BASE}/assignments",
            {"course_id": course.pk, "unit_code": "00694", "role": "boss", "due_on": due},
        ),
        422,
        field="role",
    )
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert_problem(
        post(
            c,
            f"{BASE}/assignments",
            {"course_id": course.pk, "unit_code": "00694", "role": "reporter", "due_on": past},
        ),
        422,
        field="due_on",
    )
    # Another province's commune is out of scope: the same 404 as a missing one.
    code = personas.units["other_commune"].code
    assert_problem(
        post(
            c,
            f"{BASE}/assignments",
            {"course_id": course.pk, "unit_code": code, "role": "reporter", "due_on": due},
        ),
        404,
    )


def test_a_learner_cannot_list_assignments_or_completions(client, personas, course):
    c = login_as(client, personas.commune_officer)
    assert_problem(c.get(f"{BASE}/assignments"), 404)
    assert_problem(c.get(f"{BASE}/completions"), 404)


def test_completions_are_scoped_to_the_managers_units(client, personas, course):
    p = personas
    finish(Enrollment.objects.get(course=course, user=p.commune_officer), p.commune_officer)
    finish(Enrollment.objects.get(course=course, user=p.sibling_officer), p.sibling_officer)
    province = login_as(client, p.editor).get(f"{BASE}/completions").json()
    assert province["count"] == 2
    assert all(item["certificate_code"].startswith("CN-") for item in province["items"])

    commune_editor = make_staff("xa.bientap", Role.EDITOR, p.units["commune"])
    commune = login_as(client, commune_editor).get(f"{BASE}/completions").json()
    assert [item["unit_code"] for item in commune["items"]] == ["00694"]


def test_an_integration_token_without_a_training_role_gets_a_404(client, personas, course):
    _token, secret = api_token_create(
        name="Loa", unit=personas.units["commune"], role=Role.REPORTER, actor=personas.province_admin
    )
    assert_problem(client.get(f"{BASE}/completions", HTTP_AUTHORIZATION=f"Bearer {secret}"), 404)


def test_anonymous_callers_get_a_401_problem(client, course):
    assert_problem(client.get(f"{BASE}/courses"), 401)
