from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """``chosen|get_item:q.pk`` — the choices picked for one question (an empty set when none)."""
    if not mapping:
        return set()
    return mapping.get(key, set())
