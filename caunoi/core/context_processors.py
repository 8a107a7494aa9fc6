from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from caunoi.core.registry import nav_entries


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    entries = nav_entries(request) if user is not None and user.is_authenticated else []
    return {"nav_entries": entries, "caunoi_demo": settings.DEMO}
