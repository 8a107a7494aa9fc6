from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_vary_headers

from caunoi.core.requestid import new_request_id, reset_request_id, set_request_id

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one from the proxy) and echo it in ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else new_request_id()
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    """Vietnamese unless the person chose English in the selector (the language cookie).

    The browser's Accept-Language is not followed for pages: an officer's browser set to English
    should not silently change the working language. API clients may still ask through it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        supported = {code for code, _name in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in supported:
            if request.path.startswith("/api/"):
                language = translation.get_language_from_request(request)
            else:
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response


class ApiProblemMiddleware:
    """Under ``/api/``, Django's own HTML 400, 404 and 405 pages become ``application/problem+json``
    (a 400 is a body Django refused before the API saw it, e.g. over ``DATA_UPLOAD_MAX_MEMORY_SIZE``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (400, 404, 405)
            and not response.get("Content-Type", "").startswith(
                ("application/json", "application/problem+json")
            )
        ):
            from django.utils.translation import gettext as _

            from caunoi.core.problem import problem_response

            title = {400: _("The data is not valid"), 404: _("Not found")}.get(
                response.status_code, _("Method not allowed")
            )
            problem = problem_response(response.status_code, title)
            if response.has_header("Allow"):
                problem["Allow"] = response["Allow"]
            return problem
        return response


# "\u0000" in JSON, but not "\\u0000" (an escaped backslash followed by the text "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def holds_nul(request: HttpRequest) -> bool:
    """Whether the query string, a plain form post or a JSON body holds a NUL character."""

    def in_fields(fields: QueryDict) -> bool:
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in fields.lists())

    if in_fields(request.GET):
        return True
    if request.content_type == "application/x-www-form-urlencoded":
        return in_fields(request.POST)
    if request.content_type == "application/json":
        return b"\x00" in request.body or _JSON_NUL.search(request.body) is not None
    return False


class NulCharacterMiddleware:
    """Refuse text that holds a NUL character, before it reaches a query or a form.

    PostgreSQL cannot store U+0000 in text, so a NUL in a search box or a JSON field would otherwise
    end in a 500 there (and pass on SQLite). Django's form fields already refuse it; this covers the
    query string, plain form posts and JSON bodies everywhere else, the API included. Left to their
    own code: webhooks (a provider's signed event is accepted as sent and cleaned when stored) and
    Open311, which answers in the GeoReport error format.
    """

    EXEMPT_PREFIXES = ("/webhooks/", "/open311/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.EXEMPT_PREFIXES) and holds_nul(request):
            from django.shortcuts import render
            from django.utils.translation import gettext as _

            from caunoi.core.problem import problem_response

            message = _("Text may not contain the NUL character (U+0000).")
            if request.path.startswith("/api/") or request.content_type == "application/json":
                return problem_response(422, _("The data is not valid"), message)
            return render(request, "error.html", {"message": message}, status=400)
        return self.get_response(request)


class ApplicationErrorMiddleware:
    """Turn a domain error that escaped an HTML view into the matching error page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from caunoi.core.errors import ApplicationError

        if not isinstance(exception, ApplicationError):
            return None
        template = {404: "404.html", 403: "403.html"}.get(exception.status, "error.html")
        return render(request, template, {"message": exception.message}, status=exception.status)


def content_security_policy(*, frame_ancestors: str = "'none'") -> str:
    """The page policy: our own scripts, styles, fonts and media only, nothing inline, nothing framed.

    Templates hold no inline script, style attribute or event handler (htmx's own indicator style is
    turned off in base.html), so a script injected into a resident's text cannot run even if escaping
    failed somewhere. ``data:`` images are the charts embedded in exports.
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "media-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            # Connecting the Zalo OA posts to us and is redirected to Zalo's consent page.
            f"form-action 'self' {_origin(settings.CAUNOI_ZALO_OAUTH_URL)}",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response that did not set its own.

    File downloads set a stricter ``default-src 'none'; sandbox``; the embeddable contact form sets
    this policy with its allowed framing origins.
    """

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response
