"""Similar practices: TF-IDF over character n-grams of the folded problem and method.

Character n-grams (within word boundaries) need no word segmentation and survive missing diacritics,
typos and Telex leftovers, which word models do not. The index covers the recognised practices only
(the ones meant to spread) and is rebuilt when that set changes; each process keeps its own copy.

The first build blocks (about 3-6 s for Tuyên Quang's 11,000 models, see bench/practices_search.py);
later rebuilds run in a background thread while the previous index keeps answering, so a newly
recognised model shows up in suggestions a few seconds late rather than a page taking seconds.
``CAUNOI_PRACTICES_SIMILARITY_BACKGROUND = False`` makes every rebuild synchronous (tests).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Count, Max

from caunoi.core.text import fold
from caunoi.practices.models import Practice

MIN_SCORE = 0.05
# Links offered unasked (from an opinion topic or a petition) need a closer match than a search the
# officer typed: common syllables alone give unrelated models cosines up to about 0.2.
SUGGEST_MIN_SCORE = 0.22


@dataclass
class _Index:
    fingerprint: tuple[Any, ...]
    ids: list[int]
    vectorizer: Any
    matrix: Any


KEY = "recognised"
_lock = threading.Lock()
_cache: dict[str, _Index] = {}
_rebuilding = False


def document(problem: str, method: str, title: str = "") -> str:
    # The problem counts twice: "communes with this problem" is what people search for.
    return fold(f"{title} {problem} {problem} {method}")


def _fingerprint() -> tuple[Any, ...]:
    stats = Practice.objects.recognised().aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return (stats["n"], stats["last"], stats["top"])


def _build(fingerprint: tuple[Any, ...]) -> _Index | None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = list(Practice.objects.recognised().order_by("id").values_list("id", "title", "problem", "method"))
    if not rows:
        return None
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform([document(p, m, t) for _id, t, p, m in rows])
    return _Index(fingerprint, [row[0] for row in rows], vectorizer, matrix)


def _store(index: _Index | None) -> None:
    with _lock:
        if index is None:
            _cache.pop(KEY, None)
        else:
            _cache[KEY] = index


def _background() -> bool:
    return bool(getattr(settings, "CAUNOI_PRACTICES_SIMILARITY_BACKGROUND", True))


def _rebuild_in_background() -> None:
    global _rebuilding
    with _lock:
        if _rebuilding:
            return
        _rebuilding = True

    def run() -> None:
        global _rebuilding
        try:
            _store(_build(_fingerprint()))
        finally:
            connections.close_all()  # this thread's own database connection
            with _lock:
                _rebuilding = False

    threading.Thread(target=run, name="practices-similarity", daemon=True).start()


def _index() -> _Index | None:
    fingerprint = _fingerprint()
    with _lock:
        index = _cache.get(KEY)
    if index is not None and index.fingerprint == fingerprint:
        return index
    if index is not None and _background():
        _rebuild_in_background()
        return index
    built = _build(fingerprint)
    _store(built)
    return built


def rank(text: str, *, limit: int = 20, min_score: float = MIN_SCORE) -> list[tuple[int, float]]:
    """Recognised practice ids by cosine similarity to ``text``, best first, weak matches dropped."""
    return rank_many([text], limit=limit, min_score=min_score)[0]


def rank_many(
    texts: Sequence[str], *, limit: int = 20, min_score: float = MIN_SCORE
) -> list[list[tuple[int, float]]]:
    """``rank`` for several texts against one look at the index (a page listing many topics)."""
    queries = [fold(text) for text in texts]
    found: list[list[tuple[int, float]]] = [[] for _ in queries]
    asked = [i for i, query in enumerate(queries) if len(query) >= 3]
    index = _index() if asked else None
    if index is None:
        return found
    # TF-IDF rows are L2-normalised, so the dot product is the cosine.
    scores = (index.matrix @ index.vectorizer.transform([queries[i] for i in asked]).T).toarray()
    for column, i in enumerate(asked):
        row = scores[:, column]
        order = row.argsort()[::-1][:limit]
        found[i] = [(index.ids[j], float(row[j])) for j in order if row[j] >= min_score]
    return found
