"""Every URL declares who may reach it (caunoi.core.access); a new view without a rule fails here.

Three kinds of URL: our HTML views carry ``access_rule``; the ninja API declares auth per operation
(only the public units endpoints and the docs are open); the Django admin is for operators.
"""

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse

from caunoi.core.access import capability_required, public, staff
from caunoi.core.permissions import ROLE_CAPABILITIES, Capability, Role
from tests.conftest import login_as, make_staff

API_NAMESPACE = "api-v1"
ADMIN_NAMESPACE = "admin"
API_DOCS = {"openapi-json", "openapi-view", "api-root"}  # the spec, the docs page and the API root
PUBLIC_API_OPERATIONS = {("get", "/api/v1/units"), ("get", "/api/v1/units/{code}")}
VALID_RULES = {"public", "login"} | {f"capability:{c.value}" for c in Capability}


def walk(
    patterns, prefix: str = "", namespaces: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), namespaces, pattern


def problems(patterns) -> list[str]:
    """Views outside the API and the admin whose access rule is missing or unknown."""
    found = []
    for route, namespaces, pattern in walk(patterns):
        if namespaces[:1] in ((API_NAMESPACE,), (ADMIN_NAMESPACE,)):
            continue
        rule = getattr(pattern.callback, "access_rule", None)
        if rule not in VALID_RULES:
            found.append(f"/{route} ({pattern.callback.__module__}.{pattern.callback.__name__}): {rule!r}")
    return found


def html_routes() -> list[tuple[str, str]]:
    return [
        (route, getattr(pattern.callback, "access_rule", ""))
        for route, namespaces, pattern in walk(get_resolver().url_patterns)
        if namespaces[:1] not in ((API_NAMESPACE,), (ADMIN_NAMESPACE,))
    ]


def concrete(route: str) -> str:
    """A URL for a route, with every path parameter replaced by a harmless value."""
    return "/" + re.sub(r"<(?:int:)?\w+>", "1", route)


def test_every_view_outside_the_api_and_admin_has_a_known_access_rule():
    assert problems(get_resolver().url_patterns) == []
    assert len(html_routes()) > 20  # the walk really went through the included URL confs


def test_a_new_view_without_a_rule_is_reported():
    def forgotten(request):
        return HttpResponse("")

    def misspelt(request):
        return HttpResponse("")

    misspelt.access_rule = "everyone"  # type: ignore[attr-defined]  # not a rule

    @public
    def open_view(request):
        return HttpResponse("")

    @staff
    def signed_in(request):
        return HttpResponse("")

    @capability_required(Capability.VIEW_AUDIT)
    def guarded(request):
        return HttpResponse("")

    included = path("more/", include([path("open/", open_view), path("lost/", forgotten)]))
    patterns = [path("a/", signed_in), path("b/", guarded), path("c/", misspelt), included]

    assert problems(patterns) == [
        "/c/ (tests.test_url_rules.misspelt): 'everyone'",
        "/more/lost/ (tests.test_url_rules.forgotten): None",
    ]


def api_schema() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_api_operation_requires_auth_unless_listed_as_public(db):
    schema = api_schema()
    operations = {(method, route): op for route, ops in schema["paths"].items() for method, op in ops.items()}

    public_ones = {key for key, op in operations.items() if not op.get("security")}
    assert public_ones == PUBLIC_API_OPERATIONS
    for key, op in operations.items():
        if key not in PUBLIC_API_OPERATIONS:
            assert op["security"] == [{"TokenAuth": []}, {"StaffSessionAuth": []}], key


def test_every_url_under_the_api_is_a_documented_operation_or_the_docs():
    documented = {route for route in api_schema()["paths"]}
    for route, namespaces, pattern in walk(get_resolver().url_patterns):
        if namespaces[:1] != (API_NAMESPACE,):
            continue
        if pattern.name in API_DOCS:
            continue
        as_openapi = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        assert as_openapi in documented, f"/{route} is served by the API but not in its schema"


@pytest.mark.django_db
def test_anonymous_callers_get_401_from_every_authenticated_api_operation():
    client = Client()
    for route, ops in api_schema()["paths"].items():
        url = re.sub(r"\{\w+\}", "1", route)
        for method, op in ops.items():
            if not op.get("security"):
                continue
            response = getattr(client, method)(url, content_type="application/json", data={})
            assert response.status_code == 401, (method, route, response.status_code)
            assert response["WWW-Authenticate"] == "Bearer"
            assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_the_public_api_and_docs_answer_anonymous_callers(units):
    client = Client()
    assert client.get("/api/v1/units").status_code == 200
    assert client.get("/api/v1/units/00694").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_every_non_public_view_sends_anonymous_visitors_to_login():
    client = Client()
    for route, rule in html_routes():
        if rule == "public":
            continue
        response = client.get(concrete(route))
        assert response.status_code == 302, (route, response.status_code)
        assert response["Location"].startswith(reverse("accounts:login")), route


@pytest.mark.django_db
def test_every_capability_view_is_not_found_for_a_signed_in_user_without_that_capability(units):
    # A reporter (cộng tác viên) holds few capabilities; every view behind any other one is hidden.
    reporter = login_as(Client(), make_staff("xa.ctv", Role.REPORTER, units["commune"]))
    held = {f"capability:{c.value}" for c in ROLE_CAPABILITIES[Role.REPORTER]}
    checked = 0
    for route, rule in html_routes():
        if not rule.startswith("capability:") or rule in held:
            continue
        response = reporter.get(concrete(route))
        assert response.status_code == 404, (route, response.status_code)
        checked += 1
    assert checked > 10


@pytest.mark.django_db
def test_the_django_admin_is_for_superusers_only(units):
    admin_url = f"/{settings.CAUNOI_ADMIN_PATH}/"
    routes = [
        route for route, namespaces, _ in walk(get_resolver().url_patterns) if namespaces[:1] == ("admin",)
    ]
    assert routes and all(route.startswith(admin_url.lstrip("/")) for route in routes)

    province_admin = login_as(Client(), make_staff("tinh.qt", Role.PROVINCE_ADMIN, units["province"]))
    response = province_admin.get(admin_url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{admin_url}login/")

    operator = make_staff("operator", Role.AUDITOR, units["province"])
    operator.is_superuser = operator.is_staff = True
    operator.save()
    assert login_as(Client(), operator).get(admin_url).status_code == 200
