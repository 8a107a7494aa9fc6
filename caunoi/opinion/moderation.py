"""The "needs moderation" flag (cần kiểm duyệt): abusive or obscene language, never opinion.

A classifier trained on ViHOS (Vietnamese hate and offensive comments, MIT) alone flags ordinary
complaints — "bọn trộm", "chết", "cướp" are social-media insults and also what a citizen reports to
the police. So the flag needs words, not tone: an unambiguous obscenity flags on its own; an
ambiguous word ("ngu" is also "ngủ" typed without marks, "chó" is also the stolen dog) flags only
when the ViHOS classifier agrees; without either, only a very confident classifier flags. Political
or critical content is not a reason to flag anything.
"""

from __future__ import annotations

import itertools
import re

from caunoi.core.text import nfc

# Obscenities and their usual spellings; none of them is an ordinary word.
OBSCENE: frozenset[str] = frozenset(
    [
        "đm",
        "đmm",
        "dm",
        "dmm",
        "đcm",
        "dcm",
        "đkm",
        "dkm",
        "đcmm",
        "dcmm",
        "đmcs",
        "dmcs",
        "đhs",
        "vl",
        "vkl",
        "vcl",
        "vcc",
        "vãi",
        "vailon",
        "clm",
        "cmm",
        "cmn",
        "cmnr",
        "lồn",
        "loz",
        "lozz",
        "l0n",
        "cặc",
        "buồi",
        "dái",
        "địt",
        "dit",
        "djt",
        "đụ",
        "đéo",
        "đếch",
        "đách",
        "đek",
        "dell",
        "đĩ",
        "cứt",
        "ỉa",
        "đái",
        "đít",
        "ditme",
        "duma",
        "đuỹ",
        "cave",
        "phò",
        "chịch",
        "fuck",
        "wtf",
        "shit",
        "xamlol",
        "xaolol",
        "sml",
    ]
)
# Words that insult in one message and are ordinary in another.
AMBIGUOUS: frozenset[str] = frozenset(
    [
        "ngu",
        "chó",
        "mày",
        "tao",
        "bọn",
        "thằng",
        "điên",
        "khùng",
        "láo",
        "mất_dạy",
        "súc_vật",
        "khốn_nạn",
        "óc",
        "câm",
        "mõm",
        "sủa",
        "cút",
        "đần",
        "dốt",
        "hèn",
        "nhục",
        "mẹ_mày",
        "bố_mày",
        "ngáo",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)
CLASSIFIER_ALONE = 0.7  # decision value above which the classifier flags without a listed word


def abusive_words(text: str) -> tuple[list[str], list[str]]:
    """(obscene, ambiguous) words of a text, lower case, as they are written."""
    words = [w.lower() for w in _WORD.findall(nfc(text))]
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(words)]
    return (
        [w for w in words if w in OBSCENE],
        [w for w in [*words, *pairs] if w in AMBIGUOUS],
    )


def needs_moderation(text: str, decision: float) -> bool:
    obscene, ambiguous = abusive_words(text)
    return bool(obscene) or (bool(ambiguous) and decision > 0) or decision > CLASSIFIER_ALONE
