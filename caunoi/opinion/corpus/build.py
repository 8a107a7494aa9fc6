"""Turn the hand-written clauses into training lines: framing sentences, places, and the ways
citizens actually type (without diacritics, in teencode). Deterministic: the same files give the
same lines, so the model cache can be keyed by a hash of the sources.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from caunoi.core.text import strip_diacritics
from caunoi.opinion.corpus.clauses import CLAUSES, GLOSSARY, NEG, NEU, PLACES, POS

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "heldout.tsv"
MODERATION = HERE / "moderation.tsv.gz"

FRAMES: dict[str, list[str]] = {
    NEG: [
        "{c}",
        "{c}, đề nghị xã xem xét giải quyết",
        "bà con rất bức xúc vì {c}",
        "{c} mà không ai giải quyết",
        "{c}. Đã phản ánh nhiều lần rồi",
        "Kính gửi UBND xã, {c}",
        "{c}, mong chính quyền sớm vào cuộc",
        "thật bực mình, {c}",
        "{c}, khổ quá",
    ],
    NEU: [
        "{c}",
        "cho em hỏi {c} ạ",
        "xin hỏi {c}?",
        "{c} ạ",
        "nhờ xã giải đáp giúp: {c}",
        "{c}, xin cảm ơn",
        "Chào cán bộ, {c}",
    ],
    POS: [
        "{c}",
        "{c}, cảm ơn xã",
        "{c}. Bà con rất phấn khởi",
        "{c}, rất hài lòng",
        "thật tốt, {c}",
        "{c}, mong xã tiếp tục phát huy",
        "{c} 👍",
    ],
}

# Standard word → how it is often typed, for the teencode variants.
_TYPED = {
    "không": ("ko", "k", "kh"),
    "được": ("dc", "đc"),
    "gì": ("j",),
    "với": ("vs",),
    "rồi": ("r",),
    "mọi người": ("mn",),
    "quá": ("qa", "wa"),
    "người": ("ng",),
    "cũng": ("cx",),
    "biết": ("bik",),
    "số điện thoại": ("sđt",),
    "ủy ban nhân dân": ("ubnd",),
}
_TYPED_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(_TYPED, key=len, reverse=True)) + r")(?!\w)")


@dataclass(frozen=True)
class Example:
    topic: str
    sentiment: str
    text: str


def teencode(text: str, rng: random.Random) -> str:
    return _TYPED_RE.sub(lambda m: rng.choice(_TYPED[m.group(1)]), text)


def training_examples() -> list[Example]:
    rng = random.Random(2026)
    examples: list[Example] = []
    for topic, by_sentiment in CLAUSES.items():
        for sentiment, clauses in by_sentiment.items():
            for clause in clauses:
                for frame in FRAMES[sentiment]:
                    body = clause
                    if "hỏi" in frame and clause.startswith(("cho hỏi ", "xin hỏi ")):
                        body = clause.split(" ", 2)[2]
                    text = frame.format(c=body).replace("{place}", rng.choice(PLACES))
                    text = text[0].upper() + text[1:]
                    roll = rng.random()
                    if roll < 0.3:
                        text = strip_diacritics(text)
                    elif roll < 0.5:
                        text = teencode(text.lower(), rng)
                    elif roll < 0.6:
                        text = strip_diacritics(teencode(text.lower(), rng))
                    examples.append(Example(topic, sentiment, text))
    return examples


def glossary_examples() -> list[tuple[str, str]]:
    """(topic, term), each term also without diacritics: topic training only, a term has no mood."""
    return [
        (topic, form) for topic, terms in GLOSSARY.items() for t in terms for form in (t, strip_diacritics(t))
    ]


def read_tsv(path: Path) -> list[Example]:
    """``topic<TAB>sentiment<TAB>text`` lines; ``#`` starts a comment."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        topic, sentiment, text = line.split("\t", 2)
        rows.append(Example(topic, sentiment, text))
    return rows


def heldout_examples() -> list[Example]:
    return read_tsv(HELDOUT)


def moderation_examples() -> list[tuple[str, bool]]:
    """ViHOS training comments: (text, abusive?) — abusive when annotators marked any span."""
    with gzip.open(MODERATION, "rt", encoding="utf-8") as handle:
        return [(row[1], row[0] != "[]") for row in csv.reader(handle, delimiter="\t")]


@lru_cache(maxsize=1)
def sources_hash() -> str:
    """Changes when any corpus source changes: the key of the cached model (read once a process)."""
    digest = hashlib.sha256()
    for path in sorted(HERE.iterdir()):
        if path.suffix in {".py", ".gz"} and path.name != "__init__.py":
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
