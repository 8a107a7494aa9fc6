"""Every page has a Content-Security-Policy without unsafe-inline and no framing; NUL in text is refused."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from caunoi.core.middleware import SecurityHeadersMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/accounts/login/", "/track/", "/healthz", "/api/v1/openapi.json"])
def test_pages_forbid_inline_code_and_framing(path):
    response = Client().get(path)

    policy = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_a_response_with_its_own_stricter_policy_keeps_it():
    # File downloads set "default-src 'none'; sandbox"; the middleware must not replace it.
    def download(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(b"%PDF-1.4")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    response = SecurityHeadersMiddleware(download)(RequestFactory().get("/files/1/"))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/v1/units?province=0\x008", {}),
        ("/track/?ref=TQ\x00", {}),
        ("/api/v1/opinion/analyze", {"data": '{"texts": ["m\\u0000t"]}', "content_type": "application/json"}),
    ],
)
def test_text_holding_a_nul_character_is_refused_with_a_clear_error(client, path, kwargs):
    response = client.post(path, **kwargs) if kwargs else client.get(path)

    if path.startswith("/api/"):
        assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
        assert "U+0000" in response.json()["detail"]
    else:
        assert response.status_code == 400
        assert "U+0000" in response.content.decode()


def test_the_text_backslash_u0000_in_json_is_not_mistaken_for_a_nul(client):
    # '\\u0000' in JSON is a backslash followed by "u0000": ordinary text, so the request goes on
    # (here to the authentication check) instead of being refused as holding a NUL.
    response = client.post(
        "/api/v1/opinion/analyze", data='{"texts": ["C:\\\\u0000"]}', content_type="application/json"
    )

    assert response.status_code == 401
