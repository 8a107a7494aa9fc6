"""Schemathesis fuzzes every operation of ``/api/v1`` from its own OpenAPI document.

Each generated request runs in-process through the WSGI application, as a signed-in province
administrator (integration tokens cannot hold that role). The checks: no 5xx, status codes and
content types the document declares, bodies that match the declared schemas, schema-invalid input
rejected, and every error an RFC 9457 ``application/problem+json`` with a status and title.
``make test`` runs a bounded number of examples per operation; ``bench/api_fuzz.py`` (in ``make bench``)
runs many more through ``CAUNOI_FUZZ_EXAMPLES``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from caunoi.api import api
from tests.conftest import Personas, login_as
from tests.fuzzing import operations, run_cases

OPERATIONS = operations(api.get_openapi_schema())


@dataclass(frozen=True)
class Session:
    cookies: dict[str, str]
    headers: dict[str, str]


@pytest.fixture
def staff_session(personas: Personas) -> Session:
    """A province administrator's signed-in session (the widest scope), with its CSRF token."""
    client = login_as(Client(), personas.province_admin)
    csrf = _get_new_csrf_string()
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return Session(
        cookies={django_settings.SESSION_COOKIE_NAME: session, django_settings.CSRF_COOKIE_NAME: csrf},
        headers={"X-CSRFToken": csrf},
    )


def errors_are_problem_json(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> None:
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/problem+json"), f"{response.status_code} as {content_type}"
    problem = json.loads(response.content)
    assert problem.get("status") == response.status_code and problem.get("title"), problem


@pytest.mark.usefixtures("wsgi_requests_keep_the_test_connection")
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_api_operation_survives_generated_input(label: str, staff_session: Session) -> None:
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=staff_session.headers, cookies=staff_session.cookies)
        # Left out: ignored_auth strips the Authorization header, but this session travels as cookies
        # (calls without credentials are checked for every URL in tests/test_url_rules.py); and
        # positive_data_acceptance expects a 2xx for any schema-valid body, while a unit code or an id
        # that does not exist is rightly a 404 or 422 the schema cannot express.
        case.validate_response(
            response,
            additional_checks=[errors_are_problem_json],
            excluded_checks=[schemathesis.checks.ignored_auth, schemathesis.checks.positive_data_acceptance],
        )

    run_cases(OPERATIONS[label], check)
