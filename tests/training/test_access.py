"""Every training page declares its rule; the manager pages are 'not found' to learners."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from caunoi.core.permissions import Capability
from tests.conftest import login_as
from tests.test_url_rules import concrete, html_routes

pytestmark = pytest.mark.django_db

ROUTES = [(route, rule) for route, rule in html_routes() if route.startswith("training/")]


def test_the_training_pages_are_all_declared():
    assert len(ROUTES) >= 20
    assert {rule for _route, rule in ROUTES} == {
        "public",
        f"capability:{Capability.VIEW_TRAINING.value}",
        f"capability:{Capability.MANAGE_TRAINING.value}",
    }
    assert [route for route, rule in ROUTES if rule == "public"] == ["training/verify/"]


def test_anonymous_visitors_are_sent_to_login():
    client = Client()
    for route, rule in ROUTES:
        if rule == "public":
            continue
        response = client.get(concrete(route))
        assert response.status_code == 302, route
        assert response["Location"].startswith(reverse("accounts:login")), route


def test_manager_pages_are_not_found_for_learners(personas):
    client = login_as(Client(), personas.reporter)
    checked = 0
    for route, rule in ROUTES:
        if rule != f"capability:{Capability.MANAGE_TRAINING.value}":
            continue
        assert client.get(concrete(route)).status_code == 404, route
        checked += 1
    assert checked >= 10
