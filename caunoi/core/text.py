"""Vietnamese text helpers: NFC storage and diacritic folding for search ("ngap lut" finds "ngập lụt")."""

from __future__ import annotations

import unicodedata

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """Text is stored in NFC so that the same word always has the same bytes."""
    return unicodedata.normalize("NFC", text)


def strip_diacritics(text: str) -> str:
    """ "Đường lũ" → "Duong lu": every tone and vowel mark removed, đ → d, case and spacing kept."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def fold(text: str) -> str:
    """The search key: diacritics stripped, lower case, single spaces."""
    return " ".join(strip_diacritics(text).lower().split())
