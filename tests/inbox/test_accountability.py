"""The public accountability table (công khai kết quả giải quyết): per commune, received, answered on time,
overdue and satisfaction, from one grouped query, cached, with small cells of ratings suppressed."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from caunoi.inbox import services as inbox
from caunoi.inbox.accountability import MIN_RATINGS, commune_table
from caunoi.inbox.models import Petition, PetitionSource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    yield
    cache.clear()


def case(personas, commune_key: str = "commune", **changes: Any) -> Petition:
    data: dict[str, Any] = {
        "citizen": personas.citizen,
        "text": "Đèn đường tổ 7 không sáng, anh Lý Văn Páo báo nhiều lần.",
        "commune": personas.units[commune_key],
        "source": PetitionSource.PHONE,
        "actor": personas.province_admin,
    }
    data.update(changes)
    return inbox.petition_create(**data)


def answered(
    personas, *, late: bool = False, rating: int | None = None, commune_key: str = "commune"
) -> Petition:
    petition = case(personas, commune_key)
    if late:
        Petition.objects.filter(pk=petition.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
        petition.refresh_from_db()
    inbox.petition_answer(petition=petition, answer="Đã sửa.", actor=personas.province_admin)
    if rating is not None:
        inbox.petition_rate(petition=petition, rating=rating)
    return petition


@pytest.fixture
def activity(personas) -> None:
    """Hà Giang 1: 8 cases, 6 answered (5 on time), 1 overdue, 1 open in time, 5 ratings.
    Hà Giang 2: 3 cases, 2 answered on time, 2 ratings (too few to show)."""
    for rating in (5, 4, 4, 2):
        answered(personas, rating=rating)
    answered(personas, rating=5)
    answered(personas, late=True)
    overdue = case(personas)
    Petition.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    case(personas)
    answered(personas, rating=1, commune_key="sibling")
    answered(personas, rating=5, commune_key="sibling")
    case(personas, "sibling")


def row(table, code):
    return next(r for r in table.rows if r.code == code)


def test_the_table_counts_each_commune_and_suppresses_small_rating_cells(personas, activity):
    table = commune_table(province=personas.units["province"])
    assert len(table.rows) == 124
    hg1, hg2 = row(table, "00694"), row(table, "00691")
    assert (hg1.received, hg1.answered, hg1.answered_on_time, hg1.overdue, hg1.ratings) == (8, 6, 5, 1, 5)
    assert hg1.on_time_percent == 83
    assert hg1.average_rating == pytest.approx(4.0)
    assert hg1.satisfied_percent == 80  # 4 of 5 rated 4 or 5
    assert (hg2.received, hg2.answered, hg2.answered_on_time, hg2.ratings) == (3, 2, 2, 2)
    assert hg2.average_rating is None and hg2.satisfied_percent is None  # fewer than MIN_RATINGS
    assert MIN_RATINGS == 5
    quiet = row(table, next(r.code for r in table.rows if r.code not in ("00694", "00691")))
    assert (quiet.received, quiet.on_time_percent) == (0, None)
    total = table.total
    assert (total.received, total.answered, total.overdue) == (11, 8, 1)
    assert total.average_rating == pytest.approx(4.0)  # only cells that are shown count


def test_a_paused_case_is_not_overdue_and_merged_cases_are_not_counted_twice(personas):
    paused = case(personas)
    Petition.objects.filter(pk=paused.pk).update(
        due_at=timezone.now() - dt.timedelta(days=1), paused_at=timezone.now() - dt.timedelta(days=2)
    )
    first, second = case(personas), case(personas)
    inbox.petition_merge(petition=second, into=first, actor=personas.province_admin)
    hg1 = row(commune_table(province=personas.units["province"]), "00694")
    assert (hg1.received, hg1.overdue) == (2, 0)


def test_other_years_and_other_provinces_are_apart(personas):
    last_year = case(personas)
    Petition.objects.filter(pk=last_year.pk).update(received_at=timezone.now() - dt.timedelta(days=400))
    case(personas, "other_commune", actor=personas.other_province_officer)
    year = timezone.localdate().year
    assert row(commune_table(province=personas.units["province"], year=year), "00694").received == 0
    earlier = (timezone.localtime() - dt.timedelta(days=400)).year
    assert row(commune_table(province=personas.units["province"], year=earlier), "00694").received == 1


def test_the_table_costs_two_queries_and_is_then_read_from_the_cache(
    personas, activity, django_assert_num_queries
):
    province = personas.units["province"]
    with django_assert_num_queries(2):
        commune_table(province=province)
    case(personas)
    with django_assert_num_queries(0):
        cached = commune_table(province=province)
    assert row(cached, "00694").received == 8  # a few minutes old, by design
    assert row(commune_table(province=province, fresh=True), "00694").received == 9


def test_the_public_page_shows_the_table_to_anyone_and_nothing_personal(personas, activity):
    client = Client()
    assert client.get("/cong-khai/ket-qua/").status_code == 302
    response = client.get("/cong-khai/ket-qua/08/")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Phường Hà Giang 1" in page and "Whole province" in page
    assert "5 (83%)" in page and "4.0/5 · 80% satisfied" in page
    assert "2 ratings: too few to show" in page
    for personal in ("Lý Văn Páo", "Lò Thị Hoa", "0912345678", "Đèn đường"):
        assert personal not in page
    assert client.get("/cong-khai/ket-qua/99/").status_code == 404
    assert client.get("/cong-khai/ket-qua/08/?year=1999").status_code == 404
    assert client.get("/cong-khai/ket-qua/08/?year=abc").status_code == 200
