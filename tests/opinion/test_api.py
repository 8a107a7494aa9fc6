"""``POST /api/v1/opinion/analyze`` and the aggregate endpoints: capability, token, problem+json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from caunoi.accounts.services import api_token_create
from caunoi.core.permissions import Role
from tests.conftest import Personas, login_as

pytestmark = pytest.mark.django_db
URL = "/api/v1/opinion/analyze"


def _post(client: Client, body: object, **headers: str) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json", headers=headers)


def test_analyze_with_a_staff_session(personas: Personas, client: Client) -> None:
    login_as(client, personas.editor)
    response = _post(client, {"texts": ["Lũ quét cuốn trôi cầu, có người mắc kẹt, cần cứu gấp", "", "👍👍"]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["text_id"] for r in results] == [1, 2, 3]
    first = results[0]
    assert first["topic"] == "disasters" and first["sentiment"] == "negative" and first["urgency"] >= 0.9
    assert "mắc kẹt" in first["sos_cues"] and first["skipped"] is None
    assert [r["skipped"] for r in results[1:]] == ["empty", "no_words"]
    assert results[1]["topic"] is None


def test_analyze_with_an_integration_token(personas: Personas, client: Client) -> None:
    _token, secret = api_token_create(
        name="Báo cáo", unit=personas.units["commune"], role=Role.REPORTER, actor=personas.province_admin
    )
    response = _post(
        client, {"texts": ["cảm ơn xã đã sửa đường rất nhanh"]}, Authorization=f"Bearer {secret}"
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["sentiment"] == "positive"


def test_analyze_needs_authentication_and_the_capability(personas: Personas, client: Client) -> None:
    assert _post(client, {"texts": ["xin chào"]}).status_code == 401
    from tests.conftest import make_staff

    nobody = make_staff("no.roles", Role.REPORTER, personas.units["commune"])
    nobody.role_assignments.all().delete()
    login_as(client, nobody)
    response = _post(client, {"texts": ["xin chào"]})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body",
    [{}, {"texts": []}, {"texts": "một chuỗi"}, {"texts": [1, 2]}, {"texts": ["a"] * 1001}],
)
def test_bad_bodies_are_problem_json(personas: Personas, client: Client, body: object) -> None:
    login_as(client, personas.editor)
    response = _post(client, body)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")


def test_unparseable_json_is_problem_json(personas: Personas, client: Client) -> None:
    login_as(client, personas.editor)
    response = client.post(URL, data=b"{not json", content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_one_megabyte_text_is_skipped_not_an_error(personas: Personas, client: Client) -> None:
    login_as(client, personas.editor)
    response = _post(client, {"texts": ["x" * 1_000_000]})
    assert response.status_code == 200
    assert response.json()["results"][0]["skipped"] == "too_long"


def test_topics_lists_the_taxonomy(personas: Personas, client: Client) -> None:
    login_as(client, personas.auditor)
    keys = [t["key"] for t in client.get("/api/v1/opinion/topics").json()]
    assert keys[:3] == ["land", "environment", "roads"] and "other" in keys and len(keys) == 13
