"""The JSON API ``/api/v1/``: one NinjaAPI, one router per app, errors as ``application/problem+json``.

Callers authenticate with a staff session (browser, CSRF-protected) or an integration token
(``Authorization: Bearer cn_…``). Both become a ``Viewer`` whose scope limits every query.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from caunoi.accounts.models import ApiToken
from caunoi.accounts.selectors import viewer_for_token
from caunoi.accounts.services import api_token_authenticate
from caunoi.core.errors import ApplicationError
from caunoi.core.problem import problem_response
from caunoi.core.requestid import current_request_id

logger = logging.getLogger("django.request")


class Renderer(JSONRenderer):
    """Vietnamese stays readable in responses (UTF-8, no ``\\u`` escapes)."""

    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is not None:
            request.viewer = viewer_for_token(api_token)  # type: ignore[attr-defined]
        return api_token


class StaffSessionAuth(SessionAuth):
    """A signed-in staff session; CSRF is checked on writes (the ninja default)."""


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Validation errors list each field in `errors`.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


class CauNoiAPI(NinjaAPI):
    """Every operation documents its errors: one ``default`` response, problem+json.

    Which 4xx an operation can answer (401, 403, 404 out of scope, 409 wrong state, 422, 429) depends
    on the caller and the data, so clients read ``status`` and ``title`` rather than a list per operation.
    """

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        error = {
            "description": "An error, as RFC 9457 problem details",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("default", error)
        return schema


api = CauNoiAPI(
    title="Cầu Nối API",
    version="1",
    description=(
        "Administrative units, staff scope and citizens' privacy records. Errors are RFC 9457 problem+json."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), StaffSessionAuth()],
    renderer=Renderer(),
)


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form", "payload", "data")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_of(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    first = errors[0]["field"] if errors else ""
    return problem_response(
        422,
        _("The data is not valid"),
        _("Check the field %(field)s.") % {"field": first} if first else _("Check the request body."),
        errors=errors,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(401, _("Authentication required"), _("Sign in or send an API token."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ApplicationError)
def _application(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    extra = {"errors": [{"field": exc.field, "message": exc.message}]} if exc.field else {}
    return problem_response(exc.status, str(exc.title), exc.message, **extra)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, _("Not found"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and request.body:
        # django-ninja answers 400 for a body it cannot parse; like any invalid input, that is a 422.
        try:
            json.loads(request.body)
        except ValueError as error:
            message = _("Not valid JSON: %(error)s") % {"error": getattr(error, "msg", str(error))}
            return problem_response(
                422, _("The data is not valid"), message, errors=[{"field": "body", "message": message}]
            )
    return problem_response(exc.status_code, str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug still answers in the API's language: problem+json 500 with the request id to quote.

    The traceback goes to the log (``django.request``, as for any 500), never to the caller.
    """
    logger.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"request": request})
    return problem_response(
        500,
        _("Internal error"),
        _("Something went wrong on our side. Quote this request id: %(id)s.") % {"id": current_request_id()},
    )


def _register_routers() -> None:
    from caunoi.accounts.api import router as accounts_router
    from caunoi.campaigns.api import router as campaigns_router
    from caunoi.citizens.api import router as citizens_router
    from caunoi.disclosure.api import router as disclosure_router
    from caunoi.geo.api import router as geo_router
    from caunoi.inbox.api import router as inbox_router
    from caunoi.opinion.api import router as opinion_router
    from caunoi.practices.api import router as practices_router
    from caunoi.training.api import router as training_router

    api.add_router("/units", geo_router)
    api.add_router("/me", accounts_router)
    api.add_router("/citizens", citizens_router)
    api.add_router("/campaigns", campaigns_router)
    api.add_router("/inbox", inbox_router)
    api.add_router("/opinion", opinion_router)
    api.add_router("/practices", practices_router)
    api.add_router("/training", training_router)
    api.add_router("/disclosure", disclosure_router)


_register_routers()
__all__ = ["api"]
