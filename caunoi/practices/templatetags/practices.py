"""``{% practices_for_topic %}``: other apps link an opinion topic or a petition category to the
recognised models that addressed the same problem, in one line of their template.

    {% load practices %}
    {% practices_for_topic topic.label keywords=topic.keywords %}

Scoped to the signed-in viewer (their province's recognised models); renders nothing when none fits.
A page listing many topics computes their links at once (``practices_for_topics``) and includes
``practices/_for_topic.html`` with each list instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from caunoi.core.permissions import viewer_of
from caunoi.practices.selectors import practices_for_topic as find

register = template.Library()


@register.inclusion_tag("practices/_for_topic.html", takes_context=True)
def practices_for_topic(
    context: dict[str, Any], text: str = "", keywords: Sequence[str] | str = (), limit: int = 3
) -> dict[str, Any]:
    words = [keywords] if isinstance(keywords, str) else list(keywords)
    return {"similar": find(text=text, keywords=words, viewer=viewer_of(context.get("request")), limit=limit)}
