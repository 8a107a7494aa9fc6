"""Schemathesis fuzzes the Open311 GeoReport v2 endpoints, in JSON and in XML.

Open311 has no OpenAPI document of its own, so ``GEOREPORT`` below writes the GeoReport v2 contract
as one (http://wiki.open311.org/GeoReport_v2): what existing clients send and expect. The checks: no
5xx, the content types the spec gives, every XML answer well-formed, and every refusal in the spec's
error format (``[{"code": 400, "description": "…"}]`` or ``<errors><error>…``) with the HTTP status as
its code. Filing requests uses a real API key, so generated bodies reach the petition service.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import schemathesis

from caunoi.accounts.services import api_token_create
from caunoi.core.permissions import Role
from tests.conftest import Personas
from tests.fuzzing import operations, run_cases

FMT = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]}}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "schema": {"type": "string"}}
DOCUMENT = {
    "application/json": {"schema": {}},
    "text/xml": {"schema": {"type": "string"}},
}
ERROR = {"description": "GeoReport error list", "content": DOCUMENT}


def _get(*params: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "parameters": [FMT, JURISDICTION, *params],
            "responses": {"200": {"description": "ok", "content": DOCUMENT}, "default": ERROR},
        }
    }


def _query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


FILING_FIELDS = [
    "api_key",
    "jurisdiction_id",
    "service_code",
    "address_string",
    "address_id",
    "description",
    "media_url",
    "attribute[kind]",
    "attribute[commune]",
    "first_name",
    "email",
    "phone",
    "device_id",
]
GEOREPORT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Open311 GeoReport v2 (as Cầu Nối serves it)", "version": "2"},
    "paths": {
        "/open311/v2/discovery.{fmt}": _get(),
        "/open311/v2/services.{fmt}": _get(),
        "/open311/v2/services/{service_code}.{fmt}": _get(_path("service_code")),
        "/open311/v2/requests/{service_request_id}.{fmt}": _get(_path("service_request_id")),
        "/open311/v2/tokens/{token}.{fmt}": _get(_path("token")),
        "/open311/v2/requests.{fmt}": {
            **_get(
                _query("service_request_id"),
                _query("service_code"),
                _query("start_date"),
                _query("end_date"),
                _query("status"),
                _query("page", {"type": "integer"}),
                _query("page_size", {"type": "integer"}),
            ),
            "post": {
                "parameters": [FMT],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    **{name: {"type": "string"} for name in FILING_FIELDS},
                                    "lat": {"type": "number"},
                                    "long": {"type": "number"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "filed", "content": DOCUMENT}, "default": ERROR},
            },
        },
    },
}


OPERATIONS = operations(GEOREPORT)


@pytest.fixture
def api_key(personas: Personas) -> str:
    _, secret = api_token_create(
        name="open311 app",
        unit=personas.units["commune"],
        role=Role.COMMUNE_OFFICER,
        actor=personas.province_admin,
    )
    return secret


def open311_errors_and_xml(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> None:
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.startswith("text/xml"):
        root = ET.fromstring(response.content)  # noqa: S314 - our own response, parsed to prove it is well-formed
        if response.status_code >= 400:
            assert root.tag == "errors" and root.findtext("error/code") == str(response.status_code)
    elif response.status_code >= 400:
        errors = json.loads(response.content)
        assert isinstance(errors, list) and errors[0]["code"] == response.status_code, errors
        assert errors[0]["description"], errors


@pytest.mark.usefixtures("wsgi_requests_keep_the_test_connection")
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_open311_endpoint_survives_generated_input(label: str, api_key: str) -> None:
    def check(case: schemathesis.Case) -> None:
        if case.method == "POST" and isinstance(case.body, dict):
            case.body["api_key"] = api_key  # a real key, so generated filings reach the petition service
        response = case.call()
        # Open311 answers 400/404 for what it refuses and documents those as errors; the spec cannot
        # say which unit codes or ids exist, so a schema-valid request may rightly be refused.
        case.validate_response(
            response,
            additional_checks=[open311_errors_and_xml],
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
        )

    run_cases(OPERATIONS[label], check)
