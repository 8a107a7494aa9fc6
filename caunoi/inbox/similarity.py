"""Text likeness for duplicate cases and knowledge-base answers: TF-IDF over character n-grams of the
folded text (so "ngap lut" and "ngập lụt" are the same), cosine similarity. Small candidate sets
(the open cases of one commune, one unit's questions), so plain Python is fast enough.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from caunoi.core.text import fold


def _grams(text: str, n: int = 3) -> Counter[str]:
    padded = f" {fold(text)} "
    return Counter(padded[i : i + n] for i in range(max(0, len(padded) - n + 1)))


def _weighted(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    vector = {g: c * idf.get(g, 1.0) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {g: v / norm for g, v in vector.items()}


def rank(query: str, documents: Sequence[str]) -> list[tuple[int, float]]:
    """(index, cosine similarity) of each document against ``query``, best first."""
    if not documents or not query.strip():
        return []
    doc_grams = [_grams(d) for d in documents]
    query_grams = _grams(query)
    total = len(doc_grams) + 1
    frequency: Counter[str] = Counter()
    for grams in (*doc_grams, query_grams):
        frequency.update(grams.keys())
    idf = {g: math.log(total / f) + 1.0 for g, f in frequency.items()}
    q = _weighted(query_grams, idf)
    scored = []
    for index, grams in enumerate(doc_grams):
        d = _weighted(grams, idf)
        scored.append((index, sum(w * d.get(g, 0.0) for g, w in q.items())))
    return sorted(scored, key=lambda pair: pair[1], reverse=True)
