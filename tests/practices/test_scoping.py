"""Who reads what: a commune's drafts stay in the commune; recognised models are open province-wide;
committee members read what they evaluate; pages cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.test import Client

from caunoi.accounts.selectors import viewer_for_user
from caunoi.core.errors import NotFound
from caunoi.practices import selectors, services
from caunoi.practices.selectors import practice_list
from tests.conftest import login_as
from tests.practices.conftest import (
    make_practice,
    province_committee,
    recognised_practice,
    submitted_practice,
)

pytestmark = pytest.mark.django_db


def ids(user):
    return {p.pk for p in practice_list(viewer=viewer_for_user(user))}


def test_a_sibling_commune_cannot_see_a_draft_but_reads_a_recognised_model(personas):
    p = personas
    draft = make_practice(p.commune_officer, p.units["commune"], title="Nháp")
    recognised, _evaluation = recognised_practice(p)

    assert ids(p.commune_officer) >= {draft.pk, recognised.pk}
    assert ids(p.sibling_officer) == {recognised.pk}
    assert ids(p.reporter) >= {draft.pk, recognised.pk}
    assert ids(p.other_province_officer) == set()
    assert ids(p.province_admin) >= {draft.pk, recognised.pk}
    with pytest.raises(NotFound):
        selectors.access_practice(viewer_for_user(p.sibling_officer), draft.pk)
    with pytest.raises(NotFound):
        selectors.access_practice(viewer_for_user(p.sibling_officer), recognised.pk, manage=True)


def test_the_detail_page_is_404_for_a_sibling_draft_and_for_anything_missing(client, personas):
    draft = make_practice(personas.commune_officer, personas.units["commune"])
    login_as(client, personas.sibling_officer)

    assert client.get(f"/practices/{draft.pk}/").status_code == 404
    assert client.get(f"/practices/{draft.pk}/edit/").status_code == 404
    assert client.post(f"/practices/{draft.pk}/submit/").status_code == 404
    assert client.get("/practices/999999/").status_code == 404


def test_a_committee_member_from_elsewhere_reads_what_they_evaluate(personas):
    p = personas
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    assert practice.pk not in ids(p.other_province_officer)
    committee = province_committee(p, p.other_province_officer)
    services.evaluation_open(practice=practice, committee=committee, actor=p.province_admin)

    assert practice.pk in ids(p.other_province_officer)


def test_the_list_page_costs_the_same_few_queries_for_many_practices(
    client, personas, django_assert_max_num_queries
):
    for i in range(12):
        make_practice(personas.commune_officer, personas.units["commune"], title=f"Mô hình số {i}")
    login_as(client, personas.commune_officer)
    client.get("/practices/")  # warm the session and the navigation

    with django_assert_max_num_queries(14):
        response = client.get("/practices/", {"q": "mo hinh"})

    assert response.status_code == 200
    assert response.content.decode().count("Mô hình số") == 12


def test_the_commune_officer_walks_the_pages_of_the_done_when_path(client, personas):
    """Register with evidence, a province committee scores and recognises, a sibling replicates."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.practices.conftest import jpeg_bytes

    p = personas
    officer = login_as(Client(), p.commune_officer)
    response = officer.post(
        "/practices/new/",
        {
            "unit": p.units["commune"].pk,
            "year": 2026,
            "title": "Dân vận khéo vận động trồng cây phân tán",
            "field": "culture_society",
            "people_in_charge": "Đoàn Thanh niên phường",
            "started_on": "2025-04-01",
            "problem": "Đồi trọc sau mùa khai thác, sạt lở khi mưa lớn.",
            "method": "Thanh niên nhận chăm sóc cây, mỗi hộ một cây, ghi tên hộ trên biển.",
            "results": "Trồng 3.000 cây.",
            "figures": "Cây trồng: 3000 cây\nHộ tham gia: 420 hộ",
            "beneficiaries": 1800,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    practice_url = response["Location"]
    practice_id = int(practice_url.strip("/").split("/")[-1])
    upload = officer.post(
        f"/practices/{practice_id}/evidence/",
        {"file": SimpleUploadedFile("trong-cay.jpg", jpeg_bytes(), "image/jpeg"), "caption": "Lễ ra quân"},
    )
    assert upload.status_code == 302
    assert officer.post(f"/practices/{practice_id}/submit/", {"comment": ""}).status_code == 302

    admin = login_as(Client(), p.province_admin)
    created = admin.post(
        "/practices/committees/",
        {"name": "Hội đồng tỉnh 2026", "level": "province", "year": 2026, "unit": p.units["province"].pk},
    )
    committee_url = created["Location"]
    committee_id = int(committee_url.strip("/").split("/")[-1])
    assert (
        admin.post(f"/practices/committees/{committee_id}/members/", {"user": p.approver.pk}).status_code
        == 302
    )
    assert (
        admin.post(
            f"/practices/committees/{committee_id}/members/", {"user": p.commune_officer.pk}
        ).status_code
        == 302
    )
    opened = admin.post(f"/practices/committees/{committee_id}/evaluate/", {"practice": practice_id})
    evaluation_url = opened["Location"]

    own = officer.post(
        evaluation_url, {"results": "10", "support": "10", "sustainability": "10", "replicability": "10"}
    )
    assert own.status_code == 422
    assert "Phường Hà Giang 1" in own.content.decode()
    approver = login_as(Client(), p.approver)
    out_of_range = approver.post(
        evaluation_url, {"results": "11", "support": "9", "sustainability": "8", "replicability": "8"}
    )
    assert out_of_range.status_code == 422
    assert "11" in out_of_range.content.decode()
    scored = approver.post(
        evaluation_url, {"results": "9", "support": "9", "sustainability": "8", "replicability": "8"}
    )
    assert scored.status_code == 302
    page = admin.get(evaluation_url).content.decode()
    assert "8,65" in page or "8.65" in page  # .4*9 + .25*9 + .2*8 + .15*8
    decided = admin.post(evaluation_url + "decide/", {"decision": "recognise", "comment": "Lan toả tốt"})
    assert decided.status_code == 302

    sibling = login_as(Client(), p.sibling_officer)
    assert sibling.get(practice_url).status_code == 200, "recognised: readable by the sibling commune"
    started = sibling.post(
        f"/practices/{practice_id}/replicate/",
        {"unit": p.units["sibling"].pk, "started_on": "2026-05-01", "adaptation_notes": "Thôn Tha trồng keo"},
    )
    assert started.status_code == 302
    reported = sibling.post(
        started["Location"],
        {
            "progress": 100,
            "note": "Đã trồng xong",
            "results": "1.200 cây keo",
            "beneficiaries": 300,
            "status": "completed",
        },
    )
    assert reported.status_code == 302
    spread = admin.get("/practices/spread/").content.decode()
    assert "Phường Hà Giang 2" in spread
    assert "1.200 cây keo" in spread


@pytest.mark.parametrize(
    ("persona", "method", "url", "status"),
    [
        ("reporter", "get", "/practices/", 200),
        ("reporter", "get", "/practices/new/", 404),
        ("auditor", "get", "/practices/committees/", 200),
        ("auditor", "post", "/practices/committees/", 404),
        ("editor", "get", "/practices/replications/", 200),
        ("sibling_officer", "post", "/practices/committees/", 404),
    ],
)
def test_capabilities_decide_which_pages_answer(client, personas, persona, method, url, status):
    login_as(client, getattr(personas, persona))

    response = getattr(client, method)(url, {"name": "x", "level": "province", "year": 2026})

    assert response.status_code == status


def test_the_other_lists_cost_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    p = personas
    for i in range(4):
        practice, _evaluation = recognised_practice(p, title=f"Mô hình {i}")
        services.replication_start(
            source=practice,
            unit=p.units["sibling"],
            adaptation_notes="Vận dụng",
            started_on=practice.started_on,
            actor=p.sibling_officer,
        )
    login_as(client, p.province_admin)
    client.get("/practices/")

    for url in ("/practices/replications/", "/practices/committees/", "/practices/spread/"):
        with django_assert_max_num_queries(14):
            response = client.get(url)
        assert response.status_code == 200, url
    spread = client.get("/practices/spread/").content.decode()
    assert spread.count("Phường Hà Giang 2") == 4
