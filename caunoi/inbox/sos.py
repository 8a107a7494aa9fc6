"""Tín hiệu khẩn cấp: words that mean someone asks for rescue or reports a flood, landslide, injury or
people trapped. Matched on folded text, so "sạt lở" and "sat lo" are the same cue; whole words only,
so "lu" (lũ) does not fire inside "lung".

The opinion engine's cues (``caunoi.opinion.urgency.sos_cues``) are added to ours, so both apps
agree on what is urgent and the inbox still has its own inbox-specific phrases.
"""

from __future__ import annotations

import re

from caunoi.core.text import fold
from caunoi.opinion.urgency import sos_cues as opinion_cues

# Folded phrases → the cue shown to the officer (the phrase itself, with its diacritics).
_CUES: dict[str, str] = {
    "cuu voi": "cứu với",
    "cuu toi": "cứu tôi",
    "cuu chung toi": "cứu chúng tôi",
    "cuu ho": "cứu hộ",
    "cuu nan": "cứu nạn",
    "can cuu": "cần cứu",
    "giup voi": "giúp với",
    "khan cap": "khẩn cấp",
    "nguy hiem": "nguy hiểm",
    "sos": "SOS",
    "lu quet": "lũ quét",
    "lu ong": "lũ ống",
    "lu lut": "lũ lụt",
    "lu len": "lũ lên",
    "nuoc lu": "nước lũ",
    "ngap lut": "ngập lụt",
    "ngap sau": "ngập sâu",
    "nuoc dang": "nước dâng",
    "sat lo": "sạt lở",
    "lo dat": "lở đất",
    "dat lo": "đất lở",
    "sut lun": "sụt lún",
    "mac ket": "mắc kẹt",
    "bi ket": "bị kẹt",
    "bi vui": "bị vùi",
    "vui lap": "vùi lấp",
    "chon vui": "chôn vùi",
    "bi thuong": "bị thương",
    "chay mau": "chảy máu",
    "bat tinh": "bất tỉnh",
    "duoi nuoc": "đuối nước",
    "mat tich": "mất tích",
    "cuon troi": "cuốn trôi",
    "bi cuon": "bị cuốn",
    "sap nha": "sập nhà",
    "nha sap": "nhà sập",
    "chay nha": "cháy nhà",
    "hoa hoan": "hỏa hoạn",
    "chay rung": "cháy rừng",
}
_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _CUES), key=len, reverse=True)) + r")\b")


def sos_cues(text: str) -> list[str]:
    """The distinct cues found in ``text``, in the order they first appear (empty: not an SOS)."""
    found: list[str] = []
    for match in _PATTERN.finditer(fold(text)):
        cue = _CUES[match.group(1)]
        if cue not in found:
            found.append(cue)
    for cue in opinion_cues(text):
        if cue not in found:
            found.append(cue)
    return found
