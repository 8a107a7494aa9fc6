from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from caunoi.training.text import render_lesson_text

register = template.Library()


@register.filter
def lesson_text(value: str) -> SafeString:
    return render_lesson_text(value or "")
