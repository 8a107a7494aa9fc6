"""/api/v1/practices: the same scope and rules as the pages, errors as problem+json."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caunoi.practices.models import Practice
from tests.conftest import login_as
from tests.practices.conftest import (
    SCORES,
    jpeg_bytes,
    make_practice,
    province_committee,
    recognised_practice,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/practices"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


BODY = {
    "unit_code": "00694",
    "year": 2026,
    "title": "Vận động nhân dân xây nhà tiêu hợp vệ sinh",
    "field": "culture_society",
    "people_in_charge": "Hội Phụ nữ phường",
    "started_on": "2025-05-01",
    "problem": "Nhiều hộ chưa có nhà tiêu hợp vệ sinh.",
    "method": "Phụ nữ đến từng nhà, vay vốn xoay vòng.",
    "results": "Thêm 120 nhà tiêu.",
    "figures": [{"label": "Nhà tiêu", "value": 120, "unit": "cái"}],
}


def test_a_commune_registers_attaches_evidence_and_submits_through_the_api(client, personas):
    login_as(client, personas.commune_officer)

    created = post(client, f"{URL}/models", BODY)
    practice_id = created.json()["id"]
    no_evidence = post(client, f"{URL}/models/{practice_id}/submit", {})
    evidence = client.post(
        f"{URL}/models/{practice_id}/evidence",
        {"file": SimpleUploadedFile("nha-tieu.jpg", jpeg_bytes(), "image/jpeg"), "caption": "Ảnh"},
    )
    submitted = post(client, f"{URL}/models/{practice_id}/submit", {"comment": "Gửi hội đồng"})

    assert created.status_code == 201
    assert created.json()["figures"] == [{"label": "Nhà tiêu", "value": 120.0, "unit": "cái"}]
    assert_problem(no_evidence, 422, field="file")
    assert evidence.status_code == 201
    assert evidence.json()["content_type"] == "image/jpeg"
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert [h["to_status"] for h in submitted.json()["history"]] == ["draft", "submitted"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"field": "sports"}, "field"),
        ({"title": ""}, "title"),
        ({"started_on": "27/11/2026"}, "started_on"),
        ({"unit_code": "00691"}, "unit_code"),  # the sibling commune is not the officer's
        ({"ended_on": "2020-01-01"}, "ended_on"),
        ({"beneficiaries": -5}, "beneficiaries"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(client, personas, change, field):
    login_as(client, personas.commune_officer)

    response = post(client, f"{URL}/models", {**BODY, **change})

    assert_problem(response, 422, field=field)
    assert not Practice.objects.exists()


def test_a_lying_evidence_file_is_a_422_problem(client, personas):
    practice = make_practice(personas.commune_officer, personas.units["commune"])
    login_as(client, personas.commune_officer)

    response = client.post(
        f"{URL}/models/{practice.pk}/evidence",
        {"file": SimpleUploadedFile("anh.jpg", b"<html></html>", "image/jpeg")},
    )

    assert_problem(response, 422, field="file")


def test_scores_out_of_range_and_own_commune_are_refused(client, personas):
    from caunoi.practices import services
    from tests.practices.conftest import submitted_practice

    p = personas
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    committee = province_committee(p, p.approver, p.commune_officer)
    evaluation = services.evaluation_open(practice=practice, committee=committee, actor=p.province_admin)

    login_as(client, p.approver)
    out_of_range = post(
        client, f"{URL}/evaluations/{evaluation.pk}/scores", {"scores": {**SCORES, "results": 12}}
    )
    scored = post(client, f"{URL}/evaluations/{evaluation.pk}/scores", {"scores": SCORES})
    login_as(client, p.commune_officer)
    own = post(client, f"{URL}/evaluations/{evaluation.pk}/scores", {"scores": SCORES})

    login_as(client, p.province_admin)
    refused_silently = post(client, f"{URL}/evaluations/{evaluation.pk}/decision", {"recognised": False})
    decided = post(
        client, f"{URL}/evaluations/{evaluation.pk}/decision", {"recognised": True, "comment": "Tốt"}
    )
    login_as(client, p.approver)
    not_theirs = post(client, f"{URL}/evaluations/{evaluation.pk}/decision", {"recognised": True})

    assert_problem(out_of_range, 422, field="results")
    assert scored.status_code == 200
    assert scored.json()["result"]["mean"] == "8.05"
    assert_problem(own, 403)
    assert_problem(refused_silently, 422, field="comment")
    assert (decided.json()["status"], decided.json()["recognised"]) == ("decided", True)
    assert_problem(not_theirs, 404)


def test_lists_are_scoped_and_a_sibling_draft_is_404(client, personas, django_assert_max_num_queries):
    recognised, _evaluation = recognised_practice(personas)
    draft = make_practice(personas.commune_officer, personas.units["commune"], title="Nháp")
    login_as(client, personas.sibling_officer)

    with django_assert_max_num_queries(8):
        listed = client.get(f"{URL}/models", {"q": "hien dat"})
    hidden = client.get(f"{URL}/models/{draft.pk}")
    evaluations = client.get(f"{URL}/models/{recognised.pk}/evaluations")
    similar = client.get(f"{URL}/similar", {"text": "duong ngo hep, hien dat"})

    assert [item["id"] for item in listed.json()["items"]] == [recognised.pk]
    assert_problem(hidden, 404)
    assert evaluations.json()[0]["result"]["members"] == 1
    assert similar.json()[0]["practice"]["id"] == recognised.pk


def test_a_sibling_replicates_and_reports_through_the_api(client, personas):
    recognised, _evaluation = recognised_practice(personas)
    login_as(client, personas.sibling_officer)

    started = post(
        client,
        f"{URL}/models/{recognised.pk}/replications",
        {"unit_code": "00691", "started_on": "2026-04-01", "adaptation_notes": "Áp dụng ở Thôn Tha"},
    )
    replication_id = started.json()["id"]
    bad = post(client, f"{URL}/replications/{replication_id}/updates", {"progress": 140, "note": "?"})
    reported = post(
        client, f"{URL}/replications/{replication_id}/updates", {"progress": 50, "note": "Đã họp dân"}
    )
    spread = client.get(f"{URL}/models/{recognised.pk}/replications")

    assert started.status_code == 201
    assert_problem(bad, 422, field="progress")
    assert reported.json()["progress"] == 50
    assert [r["unit_code"] for r in spread.json()] == ["00691"]
