"""Vietnamese text helpers: NFC storage and diacritic folding for search ("ngap lut" finds "ngập lụt")."""

from __future__ import annotations

import unicodedata

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """Text is stored in NFC so that the same word always has the same bytes."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip every tone and vowel mark, and map đ → d."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())
