"""The Vietnamese text pipeline (xử lý văn bản): what every message goes through before analysis.

Order matters. Personal data is redacted *first*, so that nothing kept for analysis, shown on a
dashboard or clustered can carry a phone number, an ID card number, an email, a bank account or a
name that followed an honorific. Then Unicode NFC, teencode expansion, squeezing of repeated letters
and pyvi word segmentation (``segmenter.py``: pyvi's model, driven faster). Matching folds
diacritics (``caunoi.core.text.fold``), so "ngap lut" and "ngập lụt" meet; the classifiers are
trained on both forms instead of folding, because the marks still help when a citizen types them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from caunoi.core.text import nfc, strip_diacritics
from caunoi.opinion.lexicon import BOILERPLATE, STOPWORDS, TEENCODE
from caunoi.opinion.segmenter import tokenize

PHONE_MARK = "[SĐT]"
ID_MARK = "[CCCD]"
EMAIL_MARK = "[EMAIL]"
ACCOUNT_MARK = "[STK]"
NAME_MARK = "[TÊN]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people type inside numbers ("0912 345 678", "0912.345.678",
# "+84-912-345-678", "(+84) 912345678"). Classified below by its digits.
_NUMBER = re.compile(r"(?<!\d)(?:\(?\+?\d[\d\s.\-()]*\d|\d)(?!\d)")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")  # 20.000.000 đồng is money, not an account
_HONORIFICS = (
    "anh",
    "chị",
    "ông",
    "bà",
    "cô",
    "chú",
    "em",
    "bác",
    "cụ",
    "dì",
    "thím",
    "cháu",
    "con",
    "bạn",
    "tên",
    "tên là",
    "tôi là",
    "họ tên",
)
_UPPER_WORD = r"[A-ZÀ-ỸĐ][a-zà-ỹđ]*"
_NAME = re.compile(
    r"(?<!\w)(?P<h>(?i:" + "|".join(sorted(_HONORIFICS, key=len, reverse=True)) + r"))"
    r"(?P<sep>:?\s+)(?P<name>" + _UPPER_WORD + r"(?:\s+" + _UPPER_WORD + r"){0,3})(?!\w)"
)
_REPEATS = re.compile(r"([^\W\d_])\1{2,}", re.UNICODE)
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def _number_mark(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    stripped = raw.strip("()")
    if len(digits) < 8 or _THOUSANDS.match(stripped):
        return raw
    international = digits.startswith("84") and (raw.lstrip("(").startswith("+") or len(digits) in (11, 12))
    if (digits.startswith("0") and len(digits) in (10, 11)) or (international and len(digits) in (11, 12)):
        return PHONE_MARK
    if len(digits) in (9, 12):
        return ID_MARK
    return ACCOUNT_MARK


def _name_mark(match: re.Match[str]) -> str:
    # Any-case honorific, capitalised name: "anh Hùng" and "Anh Hùng" yes, "anh em" no.
    return f"{match.group('h')}{match.group('sep')}{NAME_MARK}"


def redact(text: str) -> str:
    """Remove personal data: emails, phone numbers (0…, +84…, with spaces, dots or dashes), 9- and
    12-digit ID numbers, other long digit runs (bank accounts) and capitalised names after an
    honorific. Over-redaction is the safe error: "ông Chủ Tịch" loses his title.
    """
    text = _EMAIL.sub(EMAIL_MARK, nfc(text))
    text = _NUMBER.sub(_number_mark, text)
    return _NAME.sub(_name_mark, text)


def fold_token(token: str) -> str:
    return strip_diacritics(token).lower()


# Redaction marks become one plain token each, so that segmentation and teencode leave them alone.
_MARK_TOKENS = {
    PHONE_MARK: " xphone ",
    ID_MARK: " xidnumber ",
    EMAIL_MARK: " xemail ",
    ACCOUNT_MARK: " xaccount ",
    NAME_MARK: " xname ",
}
MARK_TOKENS = frozenset(token.strip() for token in _MARK_TOKENS.values())
_MARKS = re.compile("|".join(re.escape(mark) for mark in _MARK_TOKENS))


def normalise(text: str) -> str:
    """NFC, lower case, repeated letters squeezed ("đẹppp" → "đẹp"), teencode expanded token by
    token ("ko dc" → "không được"). Punctuation stays: pyvi uses it to segment."""
    text = _MARKS.sub(lambda m: _MARK_TOKENS[m.group(0)], nfc(text))
    return " ".join(_expand(token) for token in _TOKEN.findall(text.lower()))


@lru_cache(maxsize=100_000)
def _expand(token: str) -> str:
    if token in TEENCODE:
        return TEENCODE[token]
    squeezed = _REPEATS.sub(r"\1", token)
    return TEENCODE.get(squeezed, squeezed)


def segment(normalised: str) -> list[str]:
    """pyvi word segmentation: multi-syllable words joined by "_" ("sạt_lở", "đề_nghị")."""
    return [t for t in tokenize(normalised).split() if any(ch.isalnum() for ch in t)]


def content_words(tokens: list[str]) -> list[str]:
    """Words that say what a message is about: no stopwords, no petition boilerplate, no marks."""
    return [
        t
        for t in tokens
        if t not in STOPWORDS
        and t not in BOILERPLATE
        and not t.isdigit()
        and len(t) > 1
        and t not in MARK_TOKENS
    ]


@dataclass(frozen=True)
class Prepared:
    redacted: str  # what may be kept and shown (NFC, personal data replaced)
    normalised: str  # lower case, teencode expanded: the classifiers' input
    tokens: tuple[str, ...]  # pyvi words of ``normalised``


def prepare(text: str, *, with_tokens: bool = True) -> Prepared:
    redacted = redact(text)
    normalised = normalise(redacted)
    tokens = tuple(segment(normalised)) if with_tokens else ()
    return Prepared(redacted=redacted, normalised=normalised, tokens=tokens)


def has_words(text: str) -> bool:
    """False for emoji-only, punctuation-only or symbol-only text: nothing a classifier can read."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
