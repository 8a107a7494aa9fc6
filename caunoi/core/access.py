"""Every view declares who may reach it; a meta-test walks the URL conf and fails on a view without a rule.

``public`` — anyone, no login (public pages, health, webhooks that verify themselves).
``login`` — any signed-in staff member; the view itself scopes what it shows.
``capability:<name>`` — signed in and holding that capability somewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest

from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, viewer_of

F = TypeVar("F", bound=Callable[..., Any])


def mark(view: Any, rule: str) -> Any:
    view.access_rule = rule
    return view


def public(view: F) -> F:
    return mark(view, "public")


def staff(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return mark(login_required(wrapper), "login")


def capability_required(capability: Capability) -> Callable[[F], F]:
    """Signed in and holding ``capability`` somewhere; objects are still scoped by ``access_*``.

    A viewer without the capability gets "not found", the same answer as for an object outside
    their scope, so the existence of pages and objects cannot be probed.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not viewer_of(request).can(capability):
                raise NotFound()
            return view(request, *args, **kwargs)

        return mark(login_required(wrapper), f"capability:{capability.value}")

    return decorate
