"""The dashboard and the other pages: server-side SVG, no inline script or style, bounded queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from caunoi.opinion.models import EmergingTopic, SpikeAlert, Topic
from tests.conftest import Personas, login_as
from tests.opinion.helpers import analyse_all, citizens, write

pytestmark = pytest.mark.django_db

TEXTS = [
    "Mất điện cả ngày hôm nay, khổ quá",
    "Đường liên thôn bị sụt lún, xe không đi được",
    "cảm ơn bác sĩ trạm y tế khám rất tận tình",
]


def _fill(personas: Personas) -> None:
    for unit in (personas.units["commune"], personas.units["sibling"]):
        for i, person in enumerate(citizens(unit, 12)):
            write(person, TEXTS[i % len(TEXTS)])
    analyse_all()


def _no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"


def test_the_dashboard_draws_charts_on_the_server(personas: Personas, client: Client) -> None:
    _fill(personas)
    login_as(client, personas.province_admin)
    response = client.get("/opinion/?days=28")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 2 and "<rect" in html and "<polyline" in html
    assert "Phường Hà Giang 1" in html and "Phường Hà Giang 2" in html
    _no_inline_code(html)


def test_pages_are_for_the_right_capabilities(personas: Personas, client: Client) -> None:
    assert client.get("/opinion/").status_code == 302  # sign in first
    login_as(client, personas.reporter)
    assert client.get("/opinion/").status_code == 200
    assert client.get("/opinion/label/").status_code == 404
    assert client.get("/opinion/emerging/").status_code == 200
    login_as(client, personas.other_province_officer)
    body = client.get("/opinion/").content.decode()
    assert "Hà Giang" not in body


def test_a_spike_shows_on_the_responsible_communes_home_page(personas: Personas, client: Client) -> None:
    from django.utils import timezone

    alert = SpikeAlert.objects.create(
        topic=Topic.objects.get(key="roads"),
        unit=personas.units["commune"],
        day=timezone.localdate(),
        count=9,
        baseline=0.2,
        score=8.0,
    )
    login_as(client, personas.commune_officer)
    home = client.get("/").content.decode()
    assert "Giao thông, hạ tầng" in home
    login_as(client, personas.sibling_officer)
    assert "Giao thông, hạ tầng" not in client.get("/").content.decode()
    assert client.post(f"/opinion/spikes/{alert.pk}/acknowledge/").status_code == 404
    login_as(client, personas.commune_officer)
    assert client.post(f"/opinion/spikes/{alert.pk}/acknowledge/").status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == personas.commune_officer


def test_the_emerging_page_shows_messages_only_to_inbox_readers(personas: Personas, client: Client) -> None:
    _fill(personas)
    from caunoi.opinion.models import AnalysedMessage

    emerging = EmergingTopic.objects.create(keywords=["mat_dien", "kho"], size=8)
    emerging.units.set([personas.units["commune"]])
    message = AnalysedMessage.objects.filter(unit=personas.units["commune"]).first()
    assert message is not None
    emerging.representatives.set([message])
    login_as(client, personas.commune_officer)
    html = client.get("/opinion/emerging/").content.decode()
    assert "mat_dien" in html and message.text in html
    _no_inline_code(html)
    login_as(client, personas.editor)
    html = client.get("/opinion/emerging/").content.decode()
    assert "mat_dien" in html and message.text not in html


def test_the_dashboard_and_lists_run_a_bounded_number_of_queries(
    personas: Personas, client: Client, django_assert_max_num_queries: Any
) -> None:
    _fill(personas)
    login_as(client, personas.province_admin)
    client.get("/opinion/")  # warm the session and the model cache
    with django_assert_max_num_queries(30):
        assert client.get("/opinion/?days=28").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/opinion/messages/?days=28").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/opinion/label/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/api/v1/opinion/counts?days=28").status_code == 200
