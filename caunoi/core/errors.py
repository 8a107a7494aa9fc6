"""One error hierarchy for every surface (HTML, JSON API, CLI).

Services raise these; each surface turns them into a form error, a problem+json response or a one-line
CLI message. Messages are translated strings meant for the person who caused the error.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status = 400
    title = _("The request cannot be processed")

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = str(message) if message is not None else str(self.title)
        self.field = field
        super().__init__(self.message)


class NotFound(ApplicationError):
    """Raised alike for "does not exist" and "not yours", so scope cannot be probed."""

    status = 404
    title = _("Not found")


class PermissionDenied(ApplicationError):
    status = 403
    title = _("You do not have permission to do this")


class InvalidState(ApplicationError):
    status = 409
    title = _("This action is not possible in the current state")


class ValidationFailed(ApplicationError):
    status = 422
    title = _("The data is not valid")


class RateLimited(ApplicationError):
    status = 429
    title = _("Too many requests; try again later")
