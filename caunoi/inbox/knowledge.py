"""Hỏi đáp and the Zalo OA menu: keywords of the approved knowledge base, and the menu definition an
officer pastes into the OA manager.

Zalo publishes no API to set an OA's menu (the SDKs and documents we hold have none; only community
plugins call an undocumented ``oa/menu`` path), so Cầu Nối does not set it: it generates the menu from
the approved entries, each item an ``oa.query.show`` (or ``oa.query.hide``) button whose payload is the
entry's first keyword. A tap on such a button reaches us as an ordinary ``user_send_text`` whose text
is the payload, and the inbox answers it like a typed keyword: at once, with the approved answer,
marked automatic (``services.knowledge_match``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from caunoi.core.text import fold
from caunoi.geo.models import Unit
from caunoi.inbox.models import KnowledgeEntry

KEYWORD_MAX = 60  # a keyword is typed by citizens and sent as a menu payload (Zalo allows 1,000)
MENU_TITLE_MAX = 35  # Zalo's strictest documented button title (35 in templates, 100 elsewhere)
MENU_ACTIONS = ("oa.query.show", "oa.query.hide")
_NOT_WORD = re.compile(r"[^\w]+")


def keyword_key(text: str) -> str:
    """How a keyword and a message are compared: folded (no diacritics, lower case), punctuation and
    extra spaces dropped, so "Giờ làm việc?", "gio lam viec" and a menu payload are the same key."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


def keywords_of(entry: KnowledgeEntry) -> list[str]:
    """The entry's keywords as written, in order, without blanks or repeats (same key)."""
    seen: set[str] = set()
    found = []
    for word in entry.keywords.split(","):
        word = " ".join(word.split())
        key = keyword_key(word)
        if key and key not in seen:
            seen.add(key)
            found.append(word)
    return found


def approved_for(unit: Unit) -> list[KnowledgeEntry]:
    """Approved entries of this unit and of the units above it, the closest unit first: a commune's
    own answer to a keyword beats the province's."""
    ancestors = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"] + [unit.path]
    entries = KnowledgeEntry.objects.filter(approved=True, unit__path__in=ancestors).select_related("unit")
    return sorted(entries, key=lambda e: (-len(e.unit.path), e.question, e.pk))


@dataclass(frozen=True)
class MenuItem:
    title: str
    payload: str
    question: str
    unit: str


def _title(question: str) -> str:
    question = " ".join(question.split())
    if len(question) <= MENU_TITLE_MAX:
        return question
    return question[: MENU_TITLE_MAX - 1].rstrip() + "…"


def menu_items(unit: Unit) -> list[MenuItem]:
    """One button per approved entry that has a keyword; a keyword already used by a closer unit's
    entry is skipped (the reply would be that entry's)."""
    items: list[MenuItem] = []
    taken: set[str] = set()
    for entry in approved_for(unit):
        words = [w for w in keywords_of(entry) if keyword_key(w) not in taken]
        taken.update(keyword_key(w) for w in keywords_of(entry))
        if words:
            items.append(
                MenuItem(
                    title=_title(entry.question),
                    payload=words[0],
                    question=entry.question,
                    unit=entry.unit.name,
                )
            )
    return items


def keyword_replies(unit: Unit) -> list[dict[str, str]]:
    """Every keyword the inbox answers for this unit's citizens, with the question it answers."""
    rows: list[dict[str, str]] = []
    taken: set[str] = set()
    for entry in approved_for(unit):
        for word in keywords_of(entry):
            if keyword_key(word) not in taken:
                taken.add(keyword_key(word))
                rows.append({"keyword": word, "question": entry.question, "unit": entry.unit.name})
    return rows


def menu_definition(unit: Unit, *, action: str = "oa.query.show", oa_id: str = "") -> dict[str, Any]:
    """The JSON an officer downloads: menu items in Zalo's button shape (``title``, ``type``,
    ``payload``), and the keywords the inbox answers (not to be set as OA-manager auto-replies too, or
    the citizen would get two answers)."""
    if action not in MENU_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(MENU_ACTIONS)}")
    return {
        "unit": unit.code,
        "oa_id": oa_id,
        "menu": [{"title": i.title, "type": action, "payload": i.payload} for i in menu_items(unit)],
        "keywords": keyword_replies(unit),
    }
