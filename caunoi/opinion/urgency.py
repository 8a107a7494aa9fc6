"""Urgency (mức khẩn cấp) and the SOS cues the inbox also uses to put a message on top.

A cue matches with or without diacritics, but a word typed *with other* marks does not count:
"chạy" (to run) is not "cháy" (fire), while "chay nha" typed without marks still is. Ambiguous
single syllables only appear inside longer cues ("cháy nhà", "đám cháy").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from caunoi.core.text import nfc, strip_diacritics

# (cue, weight): 0.5 means someone may be in danger now, 0.3 a hazard, 0.15 a call for haste.
CUES: tuple[tuple[str, float], ...] = (
    ("cần cứu", 0.5),
    ("cứu với", 0.5),
    ("cứu gấp", 0.5),
    ("cứu tôi", 0.5),
    ("cấp cứu", 0.5),
    ("mắc kẹt", 0.5),
    ("bị thương", 0.5),
    ("tử vong", 0.5),
    ("mất tích", 0.5),
    ("đuối nước", 0.5),
    ("nước cuốn", 0.5),
    ("bị vùi", 0.5),
    ("đất vùi", 0.5),
    ("sạt lở", 0.5),
    ("lở đất", 0.5),
    ("lũ quét", 0.5),
    ("lũ ống", 0.5),
    ("cháy nhà", 0.5),
    ("cháy rừng", 0.5),
    ("đám cháy", 0.5),
    ("hỏa hoạn", 0.5),
    ("bốc cháy", 0.5),
    ("điện giật", 0.5),
    ("sập nhà", 0.5),
    ("bị cô lập", 0.3),
    ("lũ", 0.3),
    ("ngập", 0.3),
    ("nước dâng", 0.3),
    ("lốc xoáy", 0.3),
    ("mưa đá", 0.3),
    ("sập", 0.3),
    ("tai nạn", 0.3),
    ("nguy hiểm", 0.15),
    ("khẩn cấp", 0.15),
    ("gấp", 0.15),
)
_LETTER = r"[^\W\d_]"


def _alternative(cue: str) -> str:
    return r"\s+".join(re.escape(part) for part in strip_diacritics(cue).split())


# One pass over the folded text. The zero-width lookahead finds overlapping cues ("cần cứu" and
# "cứu gấp" in "cần cứu gấp"); at one position the longest cue is tried first.
_BY_LENGTH = sorted(CUES, key=lambda c: -len(c[0]))
_ANY_CUE = re.compile(
    rf"(?<!{_LETTER})(?=({'|'.join(_alternative(cue) for cue, _ in _BY_LENGTH)})(?!{_LETTER}))"
)
_BY_FOLDED: dict[str, list[str]] = {}
for _cue, _weight in CUES:
    _BY_FOLDED.setdefault(" ".join(strip_diacritics(_cue).split()), []).append(_cue)
_WEIGHTS = dict(CUES)


def sos_cues(text: str) -> list[str]:
    """The SOS cues in a message, as written in the list above ("cần cứu", "sạt lở" …), in the
    list's order. A word typed with other marks does not count ("chạy" is not "cháy")."""
    text = nfc(text).lower()
    folded = strip_diacritics(text).lower()
    if len(folded) != len(text):  # offsets must line up; true for Vietnamese in NFC
        return []
    found: set[str] = set()
    for match in _ANY_CUE.finditer(folded):
        start, end = match.start(1), match.end(1)
        bare = " ".join(folded[start:end].split())
        written = " ".join(text[start:end].split())
        found.update(cue for cue in _BY_FOLDED[bare] if written in (cue, bare))
    ordered = [cue for cue, _ in CUES if cue in found]
    # A long cue that matched hides the short ones inside it ("lũ quét" → not also "lũ").
    return [c for c in ordered if not any(c != o and c in o for o in ordered)]


def urgency(
    text: str, *, sentiment: str = "neutral", topic: str = "", cues: Sequence[str] | None = None
) -> float:
    """0-1: the cues combined as independent chances (1 - prod(1 - w)), nudged by a negative mood and by
    the disasters or security topic. Without a cue a message stays below 0.25."""
    remaining = 1.0
    for cue in sos_cues(text) if cues is None else cues:
        remaining *= 1.0 - _WEIGHTS[cue]
    score = 1.0 - remaining
    if sentiment == "negative":
        score += 0.1
    if topic in {"disasters", "security"}:
        score += 0.1
    return round(min(score, 1.0), 3)
