"""Cross-site request forgery: a signed-in officer's browser, lured to another site, must not be able to
change anything here.

Generated from the URL conf: every route is posted to without the CSRF token by a signed-in province
administrator (the widest scope) and must be refused by Django's CSRF check (403, logged on
``django.security.csrf``) with no row changed anywhere. The routes that opt out of the check are listed
below with what protects them instead; a new ``csrf_exempt`` view fails until it is added there.

The API is covered the same way from its OpenAPI document: a session-authenticated write without the
``X-CSRFToken`` header is refused. Integration tokens (``Authorization: Bearer``) are not cookies and
cannot be forged by another site, so they need no token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from caunoi.api import api
from tests.conftest import login_as
from tests.security.conftest import World, html_routes, row_counts, sample_url

pytestmark = pytest.mark.django_db

# Routes that skip Django's CSRF check, and what stands in for it.
EXEMPT = {
    # Providers' callbacks: no browser, no cookie; each request is verified by its signature or secret.
    "webhooks:zalo": "signed by Zalo (X-ZEvent-Signature over the body with the OA secret key)",
    "webhooks:sms": "the gateway's shared secret",
    "webhooks:email_bounce": "the mail relay's shared secret",
    # Public forms for residents: no sign-in, no session, pages cached without cookies; a signed token in
    # the page says which unit's form it is and when it was shown (too fast or too late is refused).
    "public:contact": "signed form token in the page (channels.web.contact_token)",
    "public:contact_embed": "signed form token in the page; framed by commune websites",
    # The signed link is the secret: one answer per citizen and survey.
    "opinion:survey_answer": "signed per-citizen link",
    # An anonymous comment: no session to ride on; moderated before it shows, rate-limited per address.
    "disclosure_public:publication": "anonymous, moderated, rate-limited comment",
    # Open311 GeoReport v2: an API for apps, with an api_key, never a cookie.
    "open311:requests": "Open311 api_key",
}

# Written by any request: the signed-in session itself.
TOUCHED_BY_ANY_REQUEST = {"sessions.Session"}


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _csrf_refusals() -> Iterator[list[logging.LogRecord]]:
    """The refusals Django's CSRF check logs (``django.security.csrf``) while the block runs."""
    handler = _Kept()
    logger = logging.getLogger("django.security.csrf")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def test_only_the_listed_views_skip_the_csrf_check() -> None:
    exempt = {route.key for route in html_routes() if route.csrf_exempt}
    assert exempt == set(EXEMPT)


def test_every_form_refuses_a_post_without_the_csrf_token(world: World) -> None:
    strict = login_as(Client(enforce_csrf_checks=True), world.users["province_admin"])
    routes = sorted((r for r in html_routes() if not r.csrf_exempt), key=lambda r: r.key == "accounts:logout")
    before = row_counts()
    accepted: list[str] = []
    for route in routes:
        url = sample_url(world, route)
        with _csrf_refusals() as refusals:
            response = strict.post(url, {"name": "Giả mạo", "text": "Giả mạo", "confirm": "on"})
        refused_by_csrf = bool(refusals)
        if response.status_code != 403 or not refused_by_csrf:
            accepted.append(f"{url} ({route.key}): {response.status_code}")
    assert accepted == []
    assert len(routes) > 180
    after = row_counts()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert set(changed) <= TOUCHED_BY_ANY_REQUEST, changed
    # Still signed in: even signing out needs the token (no forced logout from another site).
    assert strict.get("/").status_code == 200


def _api_writes() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [
        (method, route)
        for route, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    ]


def test_every_api_write_with_a_session_needs_the_csrf_token(world: World) -> None:
    strict = login_as(Client(enforce_csrf_checks=True), world.users["province_admin"])
    writes = _api_writes()
    before = row_counts()
    accepted: list[str] = []
    for method, route in writes:
        url = re.sub(r"\{\w+\}", "1", route)
        response = getattr(strict, method)(url, data=json.dumps({}), content_type="application/json")
        if response.status_code != 403 or response["Content-Type"] != "application/problem+json":
            accepted.append(f"{method.upper()} {route}: {response.status_code}")
    assert accepted == []
    assert len(writes) >= 20
    after = row_counts()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert set(changed) <= TOUCHED_BY_ANY_REQUEST, changed
