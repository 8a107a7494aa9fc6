"""Knowledge-base keywords and the Zalo OA menu generated from them: a typed keyword or a menu payload
(with or without diacritics) is a certain match; the menu definition lists the approved entries' keywords
in Zalo's button shape; a keyword answers one question per unit."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from caunoi.core.errors import ValidationFailed
from caunoi.inbox import knowledge
from caunoi.inbox.services import knowledge_entry_save, knowledge_match
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

HOURS = "UBND xã làm việc từ 7h30 đến 17h, thứ Hai đến thứ Sáu."


def _entry(personas, unit_key="province", *, question="Giờ làm việc của ủy ban nhân dân xã", **kwargs):
    kwargs.setdefault("keywords", "giờ làm việc, mấy giờ mở cửa")
    kwargs.setdefault("answer", HOURS)
    kwargs.setdefault("approved", True)
    return knowledge_entry_save(
        unit=personas.units[unit_key], question=question, actor=personas.province_admin, **kwargs
    )


@pytest.mark.parametrize(
    "text", ["giờ làm việc", "Gio lam viec", "GIỜ LÀM VIỆC?", "  giờ   làm-việc!! ", "mấy giờ mở cửa"]
)
def test_a_keyword_matches_with_or_without_diacritics_and_punctuation(personas, text):
    entry = _entry(personas)
    match, score = knowledge_match(unit=personas.units["commune"], text=text)
    assert (match, score) == (entry, 1.0)


def test_a_one_word_keyword_is_a_match_but_an_unknown_word_is_not(personas):
    entry = _entry(personas, question="Đăng ký khai sinh cho con", keywords="khai sinh, KS")
    assert knowledge_match(unit=personas.units["commune"], text="ks") == (entry, 1.0)
    assert knowledge_match(unit=personas.units["commune"], text="hộkhẩu") == (None, 0.0)
    # A keyword inside a longer sentence is not the keyword: the sentence is judged by likeness.
    assert knowledge_match(unit=personas.units["commune"], text="khai sinh ở đâu vậy")[1] < 1.0


def test_the_communes_own_answer_to_a_keyword_beats_the_provinces(personas):
    _entry(personas)
    own = _entry(personas, "commune", question="Giờ làm việc của xã mình", answer="Xã làm việc từ 7h.")
    assert knowledge_match(unit=personas.units["commune"], text="gio lam viec")[0] == own
    assert knowledge_match(unit=personas.units["sibling"], text="gio lam viec")[0] != own


def test_a_draft_entry_does_not_answer(personas):
    _entry(personas, approved=False)
    assert knowledge_match(unit=personas.units["commune"], text="giờ làm việc") == (None, 0.0)


def test_a_keyword_answers_one_question_per_unit(personas):
    _entry(personas)
    with pytest.raises(ValidationFailed) as taken:
        _entry(personas, question="Lịch tiếp công dân", keywords="tiếp dân, GIO LAM VIEC")
    assert taken.value.field == "keywords" and "Giờ làm việc của ủy ban" in taken.value.message
    # A draft may hold it while being written; another unit may use it too.
    _entry(personas, question="Lịch tiếp công dân", keywords="tiếp dân, giờ làm việc", approved=False)
    _entry(personas, "commune", question="Giờ làm việc của xã mình")
    with pytest.raises(ValidationFailed) as long:
        _entry(personas, question="Một câu khác", keywords="x" * 61)
    assert long.value.field == "keywords" and "60" in long.value.message


def test_the_menu_lists_approved_entries_with_a_keyword_in_zalos_button_shape(personas):
    _entry(personas)
    _entry(personas, question="Thủ tục đăng ký khai sinh cho trẻ em mới sinh tại xã", keywords="khai sinh")
    _entry(personas, question="Không có từ khóa", keywords="")
    _entry(personas, question="Bản nháp", keywords="nháp", approved=False)
    _entry(personas, "commune", question="Giờ làm việc của xã mình", keywords="Giờ làm việc, lịch xã")
    province = knowledge.menu_definition(personas.units["province"])
    assert province["unit"] == personas.units["province"].code
    assert province["menu"] == [
        {"title": "Giờ làm việc của ủy ban nhân dân xã", "type": "oa.query.show", "payload": "giờ làm việc"},
        {"title": "Thủ tục đăng ký khai sinh cho trẻ…", "type": "oa.query.show", "payload": "khai sinh"},
    ]
    assert all(len(item["title"]) <= knowledge.MENU_TITLE_MAX for item in province["menu"])
    assert [row["keyword"] for row in province["keywords"]] == ["giờ làm việc", "mấy giờ mở cửa", "khai sinh"]
    commune = knowledge.menu_definition(personas.units["commune"], action="oa.query.hide")
    # The commune's own entry first; the province's keeps only its keywords the commune did not take.
    assert [(i["payload"], i["type"]) for i in commune["menu"]] == [
        ("Giờ làm việc", "oa.query.hide"),
        ("mấy giờ mở cửa", "oa.query.hide"),
        ("khai sinh", "oa.query.hide"),
    ]
    for item in commune["menu"]:  # every payload is answered, and by the entry the menu names
        assert knowledge_match(unit=personas.units["commune"], text=item["payload"])[1] == 1.0
    with pytest.raises(ValueError, match=r"oa\.query\.show"):
        knowledge.menu_definition(personas.units["province"], action="oa.open.url")


def test_the_menu_page_and_its_json_download(personas):
    _entry(personas)
    client = login_as(Client(), personas.province_admin)
    page = client.get("/inbox/settings/zalo-menu/")
    assert page.status_code == 200
    assert "giờ làm việc" in page.content.decode() and "oa.query.show" in page.content.decode()
    province = personas.units["province"]
    download = client.get(f"/inbox/settings/zalo-menu.json?unit={province.pk}&action=oa.query.hide")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="zalo-menu-{province.code}.json"'
    body = json.loads(download.content)
    assert body["menu"] == [
        {"title": "Giờ làm việc của ủy ban nhân dân xã", "type": "oa.query.hide", "payload": "giờ làm việc"}
    ]


def test_bad_menu_requests_get_clear_errors_and_others_see_nothing(personas):
    client = login_as(Client(), personas.province_admin)
    bad = client.get(
        f"/inbox/settings/zalo-menu.json?unit={personas.units['province'].pk}&action=oa.open.url"
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert "action" in bad.json()["detail"]
    outside = client.get(f"/inbox/settings/zalo-menu.json?unit={personas.units['other_commune'].pk}")
    assert outside.status_code == 400 and "unit" in outside.json()["detail"]
    page = client.get("/inbox/settings/zalo-menu/?unit=nonsense")
    assert page.status_code == 200 and 'aria-invalid="true"' in page.content.decode()
    officer = login_as(Client(), personas.commune_officer)  # may answer, may not configure
    assert officer.get("/inbox/settings/zalo-menu/").status_code == 404
    assert officer.get("/inbox/settings/zalo-menu.json").status_code == 404
