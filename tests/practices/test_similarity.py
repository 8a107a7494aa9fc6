"""Finding what works: diacritic-free search, "communes with this problem used these models", and the
selector other apps call from an opinion topic or a petition category."""

from __future__ import annotations

import pytest

from caunoi.practices import selectors
from caunoi.practices.selectors import PracticeFilters, practice_list, practices_for_topic
from tests.conftest import login_as
from tests.practices.conftest import make_practice, recognised_practice

pytestmark = pytest.mark.django_db

FLOOD = {
    "title": "Tổ xung kích phòng chống ngập lụt",
    "problem": "Mùa mưa lũ, nước ngập lụt các ngõ ven suối, người già và trẻ em bị mắc kẹt.",
    "method": "Lập tổ xung kích của thanh niên, diễn tập sơ tán, loa truyền thanh báo lũ sớm.",
}
WASTE = {
    "title": "Thôn sạch không rác thải nhựa",
    "problem": "Rác thải nhựa đổ bừa bãi xuống suối, gây ô nhiễm nguồn nước sinh hoạt.",
    "method": "Phụ nữ vận động phân loại rác tại nguồn, đổi rác lấy quà, thu gom hằng tuần.",
}


def _viewer(user):
    from caunoi.accounts.selectors import viewer_for_user

    return viewer_for_user(user)


def test_search_ignores_diacritics_and_matches_every_word(personas):
    officer = personas.commune_officer
    make_practice(officer, personas.units["commune"], **FLOOD)
    make_practice(officer, personas.units["commune"], **WASTE)
    viewer = _viewer(officer)

    def titles(search):
        return [p.title for p in practice_list(viewer=viewer, filters=PracticeFilters(search=search))]

    assert titles("ngap lut") == [FLOOD["title"]]
    assert titles("NGẬP lụt") == [FLOOD["title"]]
    assert titles("rac nhua") == [WASTE["title"]]
    assert titles("ha giang") != []  # the commune's name is searchable too
    assert titles("ngap nhua") == []


def test_similar_models_are_found_without_diacritics(personas):
    flood, _ = recognised_practice(personas, **FLOOD)
    waste, _ = recognised_practice(personas, **WASTE)
    viewer = _viewer(personas.sibling_officer)

    found = selectors.practices_similar(viewer=viewer, text="nuoc lu ngap duong, can so tan nguoi gia")

    assert [s.practice for s in found][:1] == [flood]
    assert waste not in [s.practice for s in found][:1]


def test_practices_for_topic_links_a_petition_category_to_models(personas):
    waste, _ = recognised_practice(personas, **WASTE)
    draft = make_practice(
        personas.commune_officer,
        personas.units["commune"],
        title="Rác thải nhựa (nháp)",
        problem=WASTE["problem"],
        method=WASTE["method"],
    )

    found = practices_for_topic(text="Môi trường", keywords=["rác thải", "ô nhiễm nguồn nước"])
    scoped = practices_for_topic(keywords=["rac thai"], viewer=_viewer(personas.other_province_officer))

    assert [s.practice for s in found] == [waste], "drafts are never suggested"
    assert draft not in [s.practice for s in found]
    assert scoped == [], "another province does not read Tuyên Quang's models"
    assert practices_for_topic() == []


def test_the_similar_page_lists_models_for_a_described_problem(client, personas):
    recognised_practice(personas, **FLOOD)
    login_as(client, personas.sibling_officer)

    response = client.get("/practices/similar/", {"text": "ngap lut ven suoi"})

    assert response.status_code == 200
    assert FLOOD["title"] in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_changed_registry_is_reindexed_in_the_background_while_the_old_index_answers(personas, settings):
    import threading
    import time

    from caunoi.practices import similarity

    settings.CAUNOI_PRACTICES_SIMILARITY_BACKGROUND = True
    similarity._store(None)
    flood, _ = recognised_practice(personas, **FLOOD)
    assert [pk for pk, _score in similarity.rank("ngap lut")] == [flood.pk]  # first build: synchronous

    waste, _ = recognised_practice(personas, **WASTE)
    stale = [pk for pk, _score in similarity.rank("rac thai nhua")]
    deadline = time.monotonic() + 30
    while (
        any(t.name == "practices-similarity" for t in threading.enumerate()) and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    fresh = [pk for pk, _score in similarity.rank("rac thai nhua")]

    assert waste.pk not in stale, "the old index answered at once"
    assert fresh[:1] == [waste.pk]


def test_the_template_tag_links_a_topic_to_models_for_the_signed_in_viewer(rf, personas):
    from django.template import engines

    recognised_practice(personas, **WASTE)
    template = engines["django"].from_string(
        "{% load practices %}{% practices_for_topic 'Môi trường' keywords='rac thai nhua' %}"
    )
    request = rf.get("/")

    def render(user):
        from caunoi.accounts.selectors import viewer_for_user

        request.viewer = viewer_for_user(user)
        return template.render({"request": request})

    assert WASTE["title"] in render(personas.sibling_officer)
    assert render(personas.other_province_officer).strip() == ""


def test_opinion_and_petition_pages_link_to_models_that_addressed_the_problem(client, personas):
    from caunoi.inbox.models import Category, PetitionSource
    from caunoi.inbox.services import petition_create
    from caunoi.opinion.models import EmergingTopic
    from tests.inbox.helpers import citizen_in

    waste, _ = recognised_practice(personas, **WASTE)
    commune = personas.units["commune"]
    emerging = EmergingTopic.objects.create(keywords=["rac thai", "nhua", "suoi"], size=9)
    emerging.units.set([commune])
    category = Category.objects.create(code="moi-truong-test", name="Môi trường, rác thải")
    petition = petition_create(
        citizen=citizen_in(commune),
        text="Rác thải nhựa đổ xuống suối đầu thôn, nước bốc mùi.",
        title="Rác thải nhựa đổ xuống suối",
        commune=commune,
        category=category,
        source=PetitionSource.PHONE,
        actor=personas.province_admin,
    )
    login_as(client, personas.commune_officer)
    link = f'href="/practices/{waste.pk}/"'

    for url in [
        "/opinion/emerging/",
        f"/opinion/respond/emerging/{emerging.pk}/",
        f"/inbox/petitions/{petition.pk}/",
    ]:
        html = client.get(url).content.decode()
        assert "gặp vấn đề này đã áp dụng" in html and link in html, url

    unrelated = EmergingTopic.objects.create(keywords=["gia xang", "tang"], size=9)
    unrelated.units.set([commune])
    assert link not in client.get(f"/opinion/respond/emerging/{unrelated.pk}/").content.decode()


def test_links_for_a_page_of_topics_cost_one_look_at_the_index_and_one_query(
    personas, django_assert_num_queries
):
    from caunoi.accounts.selectors import viewer_for_user

    waste, _ = recognised_practice(personas, **WASTE)
    flood, _ = recognised_practice(personas, **FLOOD)
    practices_for_topic(keywords=["warm the index"])  # the first build reads the registry
    topics = [("", ["rac thai", "nhua"]), ("", ["ngap lut", "so tan"]), ("", ["gia xang"])] * 5
    viewer = viewer_for_user(personas.sibling_officer)

    with django_assert_num_queries(2):  # the registry's fingerprint, then the models found
        found = selectors.practices_for_topics(topics, viewer=viewer)

    assert [[s.practice for s in links] for links in found[:3]] == [[waste], [flood], []]
