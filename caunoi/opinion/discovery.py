"""Unsupervised discovery of emerging topics (chủ đề mới nổi), BERTopic-style but cheap:
TF-IDF of content words → MiniBatchKMeans → class-based TF-IDF keywords per cluster.

An emerging topic is a cluster whose messages are *recent* compared with the window (a burst), or
that the classifier cannot place well (it spreads over many topics or sits in "other").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from caunoi.core.text import strip_diacritics
from caunoi.opinion.classifier import WORD_TOKENS
from caunoi.opinion.lexicon import BOILERPLATE, STOPWORDS
from caunoi.opinion.pipeline import MARK_TOKENS, normalise

MIN_SIZE = 8  # smaller groups are noise, and could point at one person
RECENT_DAYS = 3
MAX_CLUSTERS = 40
REPRESENTATIVES = 5
KEYWORDS = 8


@dataclass(frozen=True)
class Cluster:
    keywords: list[str]
    size: int
    novelty: float
    main_topic_id: int | None
    representative_ids: list[int]
    unit_ids: list[int]


_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)
_SKIP = frozenset(strip_diacritics(w) for w in STOPWORDS | BOILERPLATE if "_" not in w) | MARK_TOKENS


def cluster_words(text: str) -> str:
    """Syllables without diacritics and without stopwords: what a cluster is about, whatever the
    typing. No word segmentation here: syllable bigrams stand in for compound words ("sat lo") and
    keep discovery over 100,000 messages well under a minute."""
    return " ".join(
        s
        for s in (strip_diacritics(w) for w in _SYLLABLE.findall(normalise(text)))
        if s not in _SKIP and len(s) > 1
    )


def fit_clusters(
    docs: Sequence[str], *, n_clusters: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, list[str], object]:
    """Returns (labels, distances to own centre, vocabulary, document-term matrix)."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(
        token_pattern=WORD_TOKENS, ngram_range=(1, 2), min_df=2, max_df=0.3, sublinear_tf=True
    )
    matrix = vectoriser.fit_transform(docs)
    k = n_clusters or max(2, min(MAX_CLUSTERS, int(math.sqrt(len(docs) / 2))))
    k = min(k, matrix.shape[0])
    model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048)
    labels = model.fit_predict(matrix)
    distances = model.transform(matrix)[np.arange(matrix.shape[0]), labels]
    return labels, distances, list(vectoriser.get_feature_names_out()), matrix


def keywords_by_cluster(labels: np.ndarray, matrix: object, vocabulary: list[str]) -> dict[int, list[str]]:
    """Class-based TF-IDF: a term weighs by its frequency in the cluster over its spread across clusters."""
    import scipy.sparse as sp

    clusters = sorted(set(labels.tolist()))
    rows = sp.vstack([sp.csr_matrix(matrix[labels == c].sum(axis=0)) for c in clusters])  # type: ignore[index]
    tf = rows.multiply(1 / np.maximum(rows.sum(axis=1), 1e-9)).tocsr()
    df = np.asarray((rows > 0).sum(axis=0)).ravel()
    idf = np.log(1 + len(clusters) / np.maximum(df, 1))
    scores = tf.multiply(idf).toarray()
    return {
        c: [vocabulary[i] for i in np.argsort(-scores[n])[:KEYWORDS] if scores[n, i] > 0]
        for n, c in enumerate(clusters)
    }


def discover(rows: Sequence[tuple[int, str, int, int, dt.date]], *, today: dt.date) -> list[Cluster]:
    """``rows`` are (message id, redacted text, topic id, unit id, day)."""
    docs = [cluster_words(text) for _, text, _, _, _ in rows]
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < MIN_SIZE * 2:
        return []
    labels, distances, vocabulary, matrix = fit_clusters([docs[i] for i in keep])
    words = keywords_by_cluster(labels, matrix, vocabulary)
    recent_from = today - dt.timedelta(days=RECENT_DAYS)
    window_recent_share = sum(1 for i in keep if rows[i][4] > recent_from) / len(keep)
    found = []
    for cluster in sorted(set(labels.tolist())):
        members = [n for n, label in enumerate(labels) if label == cluster]
        if len(members) < MIN_SIZE:
            continue
        source = [rows[keep[n]] for n in members]
        recent_share = sum(1 for r in source if r[4] > recent_from) / len(source)
        topics = Counter(r[2] for r in source)
        main_topic, main_count = topics.most_common(1)[0]
        # Burst: how much more recent this cluster is than the window as a whole (1 = as usual).
        burst = recent_share / max(window_recent_share, 1e-9)
        novelty = round(burst * (1.5 - main_count / len(source)), 3)
        nearest = sorted(members, key=lambda n: distances[n])[:REPRESENTATIVES]
        found.append(
            Cluster(
                keywords=words.get(cluster, []),
                size=len(members),
                novelty=novelty,
                main_topic_id=main_topic,
                representative_ids=[rows[keep[n]][0] for n in nearest],
                unit_ids=sorted({r[3] for r in source}),
            )
        )
    found.sort(key=lambda c: (-c.novelty, -c.size))
    return found
