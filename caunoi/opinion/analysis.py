"""One analysis for every surface (CLI, API, the periodic task): redacted text in, topic, sentiment,
urgency and the moderation flag out. Bad input gets a defined answer with a reason, never a crash.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from caunoi.opinion import moderation
from caunoi.opinion.classifier import Models, features_text
from caunoi.opinion.pipeline import has_words, normalise, redact
from caunoi.opinion.urgency import sos_cues, urgency

MAX_CHARS = 5000  # a citizen's message is a few hundred characters; beyond this it is not one
BATCH = 512


class Skip(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BINARY = "binary"
    NO_WORDS = "no_words"  # emoji, punctuation or symbols only


@dataclass(frozen=True)
class Analysis:
    text_id: int
    topic: str | None
    topic_score: float
    sentiment: str | None
    urgency: float
    needs_moderation: bool
    redacted: str = ""
    sos: tuple[str, ...] = field(default_factory=tuple)
    skipped: Skip | None = None

    def as_json(self) -> dict[str, Any]:
        """The line ``caunoi analyze`` prints; ``skipped`` appears only for lines not analysed."""
        out: dict[str, Any] = {
            "text_id": self.text_id,
            "topic": self.topic,
            "topic_score": round(self.topic_score, 4),
            "sentiment": self.sentiment,
            "urgency": self.urgency,
            "needs_moderation": self.needs_moderation,
        }
        if self.skipped is not None:
            out["skipped"] = self.skipped.value
        return out


def skip_reason(text: str) -> Skip | None:
    if not text.strip():
        return Skip.EMPTY
    if len(text) > MAX_CHARS:
        return Skip.TOO_LONG
    controls = sum(1 for ch in text if unicodedata.category(ch) in {"Cc", "Cs", "Co"} and ch not in "\t\r\n")
    if "\x00" in text or "\ufffd" in text or controls > len(text) // 20:
        return Skip.BINARY
    if not has_words(text):
        return Skip.NO_WORDS
    return None


def analyse(models: Models, texts: Sequence[str], *, first_id: int = 1) -> list[Analysis]:
    """Analyse many texts in batches (the vectorisers are fastest on many rows at once)."""
    results: list[Analysis | None] = [None] * len(texts)
    todo: list[tuple[int, str, str, str]] = []
    for i, text in enumerate(texts):
        reason = skip_reason(text)
        if reason is not None:
            results[i] = Analysis(first_id + i, None, 0.0, None, 0.0, False, skipped=reason)
            continue
        redacted = redact(text)
        normalised = normalise(redacted)
        todo.append((i, redacted, normalised, features_text(normalised)))
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        predictions = models.predict([c[3] for c in chunk], [c[2] for c in chunk])
        for (i, redacted, _normalised, _feats), (topic, score, sentiment, abuse) in zip(
            chunk, predictions, strict=True
        ):
            cues = tuple(sos_cues(redacted))
            results[i] = Analysis(
                text_id=first_id + i,
                topic=topic,
                topic_score=score,
                sentiment=sentiment,
                urgency=urgency(redacted, sentiment=sentiment, topic=topic, cues=cues),
                needs_moderation=moderation.needs_moderation(redacted, abuse),
                redacted=redacted,
                sos=cues,
            )
    return [r for r in results if r is not None]
