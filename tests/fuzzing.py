"""What the API and Open311 fuzz tests share: operations from an OpenAPI document, called in-process
through the WSGI application, and one way to run each operation's generated cases (with the
``wsgi_requests_keep_the_test_connection`` fixture of tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from caunoi.wsgi import application

EXAMPLES = int(os.environ.get("CAUNOI_FUZZ_EXAMPLES", "12"))


def operations(document: dict[str, Any]) -> dict[str, schemathesis.APIOperation]:
    """Each operation of ``document`` by its label ("GET /api/v1/units"), calling our application."""
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application
    found = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the document itself is wrong
        found[result.ok().label] = result.ok()
    return found


def run_cases(operation: schemathesis.APIOperation, check: Callable[[schemathesis.Case], None]) -> None:
    """``check`` every case generated for ``operation``: EXAMPLES of them, the same ones every run."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def run(case: schemathesis.Case) -> None:
        check(case)

    run()
