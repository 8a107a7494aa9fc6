"""Lesson text: a small, safe formatting subset, rendered by escaping first and adding tags second.

Writers get what a handout needs and nothing that can carry script: paragraphs (blank line), headings
(``## ``), bullet lists (``- ``), numbered lists (``1. ``) and bold (``**…**``). Any HTML typed into a
lesson is shown as text.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def render_lesson_text(source: str) -> SafeString:
    blocks = re.split(r"\n\s*\n", source.replace("\r\n", "\n").strip())
    html: list[str] = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## ") and len(lines) == 1:
            html.append(f"<h3>{_inline(lines[0][3:])}</h3>")
        elif all(line.startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        elif all(_NUMBERED.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_NUMBERED.sub('', line))}</li>" for line in lines)
            html.append(f"<ol>{items}</ol>")
        else:
            html.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of user text above went through escape()
