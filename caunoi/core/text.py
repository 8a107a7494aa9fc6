"""Vietnamese text helpers: NFC storage and diacritic folding for search ("ngap lut" finds "ngập lụt")."""

from __future__ import annotations

import unicodedata
from typing import Any

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """Text is stored in NFC so that the same word always has the same bytes."""
    return unicodedata.normalize("NFC", text)


def without_nul(value: Any) -> Any:
    """The same JSON-like value with every NUL character replaced by U+FFFD.

    PostgreSQL refuses U+0000 in text and JSON; a provider's signed event holding one must still be
    kept, so the character is marked as unreadable instead of making the event impossible to store.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def strip_diacritics(text: str) -> str:
    """ "Đường lũ" → "Duong lu": every tone and vowel mark removed, đ → d, case and spacing kept."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def fold(text: str) -> str:
    """The search key: diacritics stripped, lower case, single spaces."""
    return " ".join(strip_diacritics(text).lower().split())


# A search box longer than this is cut: nothing anyone types is longer, and SQLite refuses a LIKE
# pattern over 50,000 characters (a pasted page would otherwise end in a 500).
SEARCH_MAX_CHARS = 200


def search_term(raw: str) -> str:
    """What to search for, from a query-string value: trimmed and at most ``SEARCH_MAX_CHARS`` long."""
    return raw[:SEARCH_MAX_CHARS].strip()
