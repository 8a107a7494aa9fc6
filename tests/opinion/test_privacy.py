"""Privacy by construction: no citizen link in the analysed data, small cells suppressed, messages
only for staff who may read them, and no per-citizen endpoint in the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from caunoi.accounts.selectors import viewer_for_user
from caunoi.api import api
from caunoi.geo.models import Unit
from caunoi.opinion.models import (
    AnalysedMessage,
    Answer,
    ContributorMark,
    Correction,
    SurveyResponse,
    TopicDayCount,
)
from caunoi.opinion.selectors import dashboard, message_list
from tests.conftest import Personas, login_as
from tests.opinion.helpers import analyse_all, citizens, write

pytestmark = pytest.mark.django_db

IDENTITY_WORDS = ("citizen", "identity", "phone", "email", "inbound", "sender", "author", "zalo", "name")


@pytest.mark.parametrize(
    "model", [AnalysedMessage, TopicDayCount, ContributorMark, Correction, SurveyResponse, Answer]
)
def test_opinion_tables_have_no_citizen_link_or_identity_column(model: type[models.Model]) -> None:
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if related is not None:
            assert related._meta.app_label not in {"citizens", "channels", "inbox"}, field
        assert not any(word in field.name for word in IDENTITY_WORDS), field.name


def test_the_api_has_no_per_citizen_operation() -> None:
    schema = api.get_openapi_schema()
    opinion_paths = [p for p in schema["paths"] if p.startswith("/api/v1/opinion")]
    assert opinion_paths
    for path in opinion_paths:
        assert "{" not in path, path  # no operation addresses one record, let alone one person
        assert not any(word in path for word in IDENTITY_WORDS), path


def _write_many(unit: Unit, n: int, text: str) -> None:
    for person in citizens(unit, n):
        write(person, text)


def test_cells_with_fewer_than_k_people_are_suppressed(personas: Personas) -> None:
    commune, sibling = personas.units["commune"], personas.units["sibling"]
    _write_many(commune, 5, "Mất điện cả ngày hôm nay, khổ quá")
    _write_many(sibling, 2, "Mất điện cả ngày hôm nay, khổ quá")
    person = citizens(sibling, 1)[0]
    for _ in range(6):  # one person six times is still one person
        write(person, "Trường học thiếu giáo viên, các cháu phải học ghép")
    analyse_all()
    board = dashboard(viewer=viewer_for_user(personas.province_admin), today=timezone.localdate())
    rows = {r.topic.key: r for r in board.topics}
    assert not rows["utilities"].current.suppressed and rows["utilities"].current.messages == 7
    assert rows["education"].current.suppressed and rows["education"].current.messages == 0
    utilities = rows["utilities"].topic.pk
    assert board.heat[(sibling.pk, utilities)].suppressed
    assert board.heat[(sibling.pk, utilities)].messages == 0  # nothing of a hidden cell is kept
    # Complementary suppression: shown, the commune's 5 would give away the sibling's 7 - 5 = 2.
    assert board.heat[(commune.pk, utilities)].suppressed
    assert not board.total.suppressed and board.total.messages == 13


def test_drill_down_needs_the_inbox_in_scope(personas: Personas, client: Client) -> None:
    _write_many(personas.units["commune"], 5, "Mất điện cả ngày hôm nay, gọi 0987654321")
    analyse_all()
    assert message_list(viewer=viewer_for_user(personas.commune_officer)).count() == 5
    assert message_list(viewer=viewer_for_user(personas.sibling_officer)).count() == 0
    assert message_list(viewer=viewer_for_user(personas.editor)).count() == 0  # no inbox access
    assert message_list(viewer=viewer_for_user(personas.auditor)).count() == 5
    login_as(client, personas.editor)
    assert client.get("/opinion/messages/").status_code == 404
    assert client.get("/opinion/").status_code == 200  # aggregates, yes
    login_as(client, personas.commune_officer)
    page = client.get("/opinion/messages/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "[SĐT]" in body and "0987654321" not in body


def test_the_sibling_commune_sees_none_of_our_counts(personas: Personas, client: Client) -> None:
    _write_many(personas.units["commune"], 6, "Mất điện cả ngày hôm nay, khổ quá")
    analyse_all()
    login_as(client, personas.sibling_officer)
    body = client.get("/opinion/").content.decode()
    assert personas.units["commune"].name not in body
    response = client.get("/api/v1/opinion/counts")
    assert response.status_code == 200
    assert all(c["suppressed"] or c["messages"] == 0 for c in response.json()["topics"])
    login_as(client, personas.commune_officer)
    counts = client.get("/api/v1/opinion/counts").json()
    utilities = next(c for c in counts["topics"] if c["topic"] == "utilities")
    assert utilities["messages"] == 6 and utilities["suppressed"] is False


def test_a_quiet_day_does_not_come_back_as_the_total_minus_the_other_days(personas: Personas) -> None:
    commune = personas.units["commune"]
    today = timezone.localdate()
    for person in citizens(commune, 6):
        write(person, "Mất điện cả ngày hôm nay, khổ quá", day=today)
        write(person, "Đường vào thôn lầy lội quá", day=today - dt.timedelta(days=1))
    for person in citizens(commune, 2):
        write(person, "Mất điện cả ngày hôm nay, khổ quá", day=today - dt.timedelta(days=2))
    analyse_all()

    board = dashboard(viewer=viewer_for_user(personas.province_admin), today=today)

    hidden_days = [day for day, n in board.daily if n is None]
    assert today - dt.timedelta(days=2) in hidden_days  # two people: suppressed
    assert len(hidden_days) == 2  # and a second day with it, or 14 - 6 - 6 would give the 2 away
    assert not board.total.suppressed and board.total.messages == 14
