"""Every persona against every URL of the URL conf, with real objects behind the path parameters.

tests/test_url_rules.py checks that every view declares a rule and probes it with made-up ids (anonymous
visitors, and a reporter on capability views); tests/test_scoping_matrix.py spells out, probe by probe,
who sees which citizen. This file closes the gap between them: it walks *every* route for *every*
persona against the demo data of every app and holds each answer to the rules below. A route added
tomorrow is walked automatically; one with a path parameter we have no sample for fails
(tests/security/conftest.py ``_samples``).

Rules for a GET:
- nothing answers 5xx, and nothing answers 403 (a forbidden object is "not found", so its existence
  cannot be probed);
- anonymous visitors reach public pages and are sent to the login page from every other one;
- a signed-in person without the route's capability gets 404;
- an officer of another province (Cao Bằng) gets 404 for every object of Tuyên Quang;
- reading a page changes nothing but the audit trail (and the session).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from caunoi.core.permissions import ROLE_CAPABILITIES, Role
from tests.conftest import STAFF_PERSONAS
from tests.security.conftest import Route, World, html_routes, row_counts, sample_url

pytestmark = pytest.mark.django_db

PERSONA_ROLES = {
    "province_admin": Role.PROVINCE_ADMIN,
    "approver": Role.APPROVER,
    "editor": Role.EDITOR,
    "auditor": Role.AUDITOR,
    "commune_officer": Role.COMMUNE_OFFICER,
    "reporter": Role.REPORTER,
    "sibling_officer": Role.COMMUNE_OFFICER,
    "other_province_officer": Role.COMMUNE_OFFICER,
}
ALLOWED = {200, 301, 302, 304, 404, 405, 410}

# Path parameters that do not name an object of a unit (a format, a month, a verb, a language).
NOT_AN_OBJECT = {"fmt", "year", "month", "action", "language", "kind"}

# Objects a Cao Bằng officer may open although they were made in Tuyên Quang, and why.
SHARED_ACROSS_PROVINCES: set[str] = set()

# Reading these is recorded (a view of personal data), kept (a session) or prepared (the two-factor setup
# page makes an unconfirmed authenticator to show its QR code): allowed to grow on GET.
WRITTEN_BY_READING = {"core.AuditEvent", "sessions.Session", "otp_totp.TOTPDevice"}


# Pages each persona opens (200) with the demo data today, less a margin: a walk that only met 404s
# (a broken sample, a lost fixture) would prove nothing.
MIN_OPENED = {
    "province_admin": 110,
    "approver": 55,
    "editor": 75,
    "auditor": 60,
    "commune_officer": 75,
    "reporter": 40,
    "sibling_officer": 60,
    "other_province_officer": 50,
    "anonymous": 20,
}


def _held(persona: str) -> set[str]:
    return {f"capability:{c.value}" for c in ROLE_CAPABILITIES[PERSONA_ROLES[persona]]}


def _routes() -> list[Route]:
    # Signing out last: it ends the session the other probes use.
    return sorted(html_routes(), key=lambda r: r.key == "accounts:logout")


def _judge(persona: str, route: Route, url: str, status: int, location: str) -> str | None:
    """What is wrong with this answer, or None."""
    if route.key == ":healthz" and status == 503:
        return None  # the health check tells the truth: no worker runs beside these tests
    if status >= 500 or status == 403 or status not in ALLOWED:
        return f"{status}"
    if persona == "anonymous":
        to_login = status == 302 and location.startswith(reverse("accounts:login"))
        if route.rule == "public" and to_login:
            return "a public page sends anonymous visitors to log in"
        if route.rule != "public" and not to_login:
            return f"{status} instead of the login page"
        return None
    if route.rule.startswith("capability:") and route.rule not in _held(persona):
        return None if status == 404 else f"{status} without {route.rule}"
    if (
        persona == "other_province_officer"
        and route.rule != "public"
        and any(p not in NOT_AN_OBJECT for p in route.params)
        and route.key not in SHARED_ACROSS_PROVINCES
        and status not in (404, 405)
    ):
        return f"{status}: an object of Tuyên Quang is visible from Cao Bằng"
    return None


def _leak(world: World, route: Route, response: Any) -> str | None:
    """A Cao Bằng officer's page (a list, a dashboard) naming a Tuyên Quang citizen or case."""
    if route.rule == "public" or getattr(response, "streaming", False):
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    body = response.content.decode()
    for marker in world.objects["tuyen_quang_markers"]:
        if marker in body:
            return f"shows {marker!r} of Tuyên Quang"
    return None


@pytest.mark.parametrize("persona", [*STAFF_PERSONAS, "anonymous"])
def test_every_url_answers_every_persona_by_the_rules(world: World, persona: str) -> None:
    client = world.client(persona)
    before = row_counts()
    wrong: list[str] = []
    walked, opened = 0, []
    for route in _routes():
        url = sample_url(world, route)
        response = client.get(url)
        walked += 1
        if response.status_code == 200:
            opened.append(route.key)
        problem = _judge(persona, route, url, response.status_code, response.get("Location", ""))
        if problem is None and persona == "other_province_officer" and response.status_code == 200:
            problem = _leak(world, route, response)
        if problem:
            wrong.append(f"{url} ({route.key}, {route.rule}): {problem}")
    assert wrong == []
    assert walked > 190
    assert len(opened) >= MIN_OPENED[persona], sorted(opened)  # the walk reached real pages, not only 404s
    after = row_counts()
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert set(changed) <= WRITTEN_BY_READING, changed


def test_every_route_has_a_sample_for_each_path_parameter(world: World) -> None:
    """A new URL with a new kind of parameter fails here first, naming what sample to add."""
    for route in html_routes():
        sample_url(world, route)
