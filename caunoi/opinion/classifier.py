"""Topic, sentiment and moderation classifiers: TF-IDF on pyvi words and character n-grams with
linear models, trained on every example *and* its copy without diacritics.

Why this and not an embedding model: measured in ``research/opinion-analytics.md``, it is as
accurate as multilingual-e5 on short Vietnamese feedback, 250 x  faster, and — with the folded copy —
robust to messages typed without diacritics, which e5 is not. Training takes a few seconds, so the
models are trained from the shipped corpus at first use and cached under ``var/opinion/`` by a hash
of everything they were trained on; officers' corrections change the hash and so the model.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

from caunoi.core.text import strip_diacritics
from caunoi.opinion.corpus.build import (
    Example,
    glossary_examples,
    moderation_examples,
    sources_hash,
    training_examples,
)
from caunoi.opinion.features import WordwiseTfidf
from caunoi.opinion.pipeline import normalise, redact, segment

MODEL_VERSION = "4"  # bump when features or estimators change
WORD_TOKENS = r"\S+"  # pyvi words are already split on spaces


def features_text(normalised: str) -> str:
    """What the vectorisers read: pyvi words joined by spaces ("đường sạt_lở không đi được")."""
    return " ".join(segment(normalised))


def _vectoriser() -> Any:
    return make_union(
        WordwiseTfidf(token_pattern=WORD_TOKENS, ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        WordwiseTfidf(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2),
    )


def _with_folded(texts: Sequence[str], labels: Sequence[Any]) -> tuple[list[str], list[Any]]:
    folded = [strip_diacritics(t) for t in texts]
    return [*texts, *folded], [*labels, *labels]


def _scores(decision: np.ndarray) -> np.ndarray:
    """One-vs-rest margins to scores in 0-1 that sum to 1 (a softmax, sharpened because linear-SVM
    margins are small): a ranking of certainty for active learning, not a calibrated probability."""
    sharpened = 4.0 * decision
    sharpened -= sharpened.max(axis=1, keepdims=True)
    scores = np.exp(sharpened)
    return scores / scores.sum(axis=1, keepdims=True)


def _fit_moderation(clean: Sequence[str]) -> Any:
    """ViHOS comments plus our own citizens' lines as clean examples (they complain; they do not
    abuse). Comments are read as typed — ViHOS already mixes marks and no marks — and unsegmented,
    which keeps training on its 8,800 comments to a couple of seconds."""

    vihos = moderation_examples()
    texts = [normalise(t) for t, _ in vihos] + [t.replace("_", " ") for t in clean]
    labels = [abusive for _, abusive in vihos] + [False] * len(clean)
    model = make_pipeline(
        WordwiseTfidf(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2),
        LinearSVC(C=0.5, class_weight="balanced"),
    )
    model.fit(texts, labels)
    return model


@dataclass
class Models:
    """One vectoriser shared by the topic and sentiment models (the character n-grams are the
    costly part of a prediction, so they are computed once), and the moderation model."""

    key: str
    vectoriser: Any
    topic: Any
    sentiment: Any
    moderation: Any

    def predict(self, texts: Sequence[str], normalised: Sequence[str]) -> list[tuple[str, float, str, float]]:
        """For feature texts (and the same texts normalised but not segmented, which the moderation
        model reads): (topic, topic score, sentiment, moderation decision value)."""
        if not texts:
            return []
        features = self.vectoriser.transform(texts)
        topic_scores = _scores(self.topic.decision_function(features))
        topics = self.topic.classes_[np.argmax(topic_scores, axis=1)]
        sentiments = self.sentiment.predict(features)
        abuse = self.moderation.decision_function(normalised)
        return [
            (str(t), float(p.max()), str(s), float(a))
            for t, p, s, a in zip(topics, topic_scores, sentiments, abuse, strict=True)
        ]


def _examples_text(examples: Iterable[Example]) -> tuple[list[str], list[str], list[str]]:
    texts, topics, sentiments = [], [], []
    for ex in examples:
        texts.append(features_text(normalise(redact(ex.text))))
        topics.append(ex.topic)
        sentiments.append(ex.sentiment)
    return texts, topics, sentiments


def models_key(corrections: Sequence[Example] = ()) -> str:
    digest = hashlib.sha256(f"{MODEL_VERSION}|{sources_hash()}".encode())
    for ex in corrections:
        digest.update(f"\n{ex.topic}\t{ex.sentiment}\t{ex.text}".encode())
    return digest.hexdigest()[:20]


def train(corrections: Sequence[Example] = ()) -> Models:
    """Fit all three models on the shipped corpus plus officers' corrections (a few seconds)."""
    texts, topics, sentiments = _examples_text([*training_examples(), *corrections])
    glossary = [(features_text(normalise(term)), topic) for topic, term in glossary_examples()]
    x, topic_y = _with_folded(texts, topics)
    _x, sentiment_y = _with_folded(texts, sentiments)
    vectoriser = _vectoriser()
    # The glossary widens the vocabulary and teaches topics only: a bare term has no mood.
    matrix = vectoriser.fit_transform([*x, *(term for term, _ in glossary)])
    topic = LinearSVC(C=1.0, class_weight="balanced").fit(matrix, [*topic_y, *(t for _, t in glossary)])
    sentiment = LinearSVC(C=0.5, class_weight="balanced").fit(matrix[: len(x)], sentiment_y)
    return Models(
        key=models_key(corrections),
        vectoriser=vectoriser,
        topic=topic,
        sentiment=sentiment,
        moderation=_fit_moderation(texts),
    )


def model_dir() -> Path:
    try:
        from django.conf import settings

        base = Path(settings.VAR_DIR)
    except Exception:
        base = Path(os.environ.get("CAUNOI_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    return base / "opinion" / "models"


def load_or_train(corrections: Sequence[Example] = ()) -> Models:
    """The cached models for exactly these sources and corrections, trained and saved if missing."""
    return _cached(models_key(corrections), tuple(corrections))


@lru_cache(maxsize=2)
def _cached(key: str, corrections: tuple[Example, ...]) -> Models:
    import joblib

    path = model_dir() / f"{key}.joblib"
    if path.exists():
        try:
            loaded = joblib.load(path)
            if isinstance(loaded, Models) and loaded.key == key:
                return loaded
        except Exception:  # noqa: S110 - a torn or foreign cache file is simply retrained
            pass
    models = train(corrections)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        joblib.dump(models, handle)
    os.replace(handle.name, path)  # atomic: a concurrent reader sees the old file or the new one
    _prune(path.parent)
    return models


KEEP_MODELS = 4  # ~14 MB each; older ones are retrained from the database if ever needed again


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.joblib"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[KEEP_MODELS:]:
        old.unlink(missing_ok=True)
