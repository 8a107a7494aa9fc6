"""TF-IDF features computed word by word, with each word's features remembered.

scikit-learn's vectoriser cuts every message into n-grams and looks each one up, in Python, every
time: for character n-grams that is a few hundred lookups per message. Character n-grams within a
word boundary (``char_wb``) depend only on the word, and word unigrams only on the word, so a word's
column indices can be computed once and reused for the rest of the process — citizens use the same
few thousand words. The matrix is the same, entry for entry, as scikit-learn's (a test compares
them); fitting is scikit-learn's own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

WHITESPACE_TOKENS = r"\S+"
CACHE_WORDS = 200_000  # a bound for a long-running worker; the cache restarts when full


class WordwiseTfidf(TfidfVectorizer):
    """A ``TfidfVectorizer`` for ``analyzer="char_wb"``, or for ``analyzer="word"`` with whitespace
    tokens and 1- to 2-grams, whose ``transform`` reuses each word's column indices."""

    def _word_columns(self) -> dict[str, list[int]]:
        cache: dict[str, list[int]] | None = self.__dict__.get("_columns")
        if cache is None or len(cache) > CACHE_WORDS:
            cache = self.__dict__["_columns"] = {}
        return cache

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_columns", None)
        return state

    def _check_supported(self) -> None:
        word_bigrams = self.analyzer == "word" and self.token_pattern == WHITESPACE_TOKENS
        word_bigrams = word_bigrams and self.ngram_range == (1, 2)
        plain = self.lowercase and self.preprocessor is None and self.tokenizer is None
        plain = plain and self.stop_words is None and self.strip_accents is None and not self.binary
        if not plain or (self.analyzer != "char_wb" and not word_bigrams):
            raise ValueError("WordwiseTfidf supports char_wb, or whitespace words in 1-2-grams, only")

    def transform(self, raw_documents: Iterable[str]) -> Any:
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        self._check_supported()
        vocabulary: dict[str, int] = self.vocabulary_
        cache = self._word_columns()
        char_ngrams = self._char_wb_ngrams if self.analyzer == "char_wb" else None
        indices: list[int] = []
        indptr = [0]
        for document in raw_documents:
            words = document.lower().split()
            for word in words:
                columns = cache.get(word)
                if columns is None:
                    grams = char_ngrams(word) if char_ngrams is not None else [word]
                    columns = cache[word] = [vocabulary[g] for g in grams if g in vocabulary]
                indices.extend(columns)
            if char_ngrams is None:
                for first, second in itertools.pairwise(words):
                    column = vocabulary.get(f"{first} {second}")
                    if column is not None:
                        indices.append(column)
            indptr.append(len(indices))
        counts = sp.csr_array(
            (np.ones(len(indices), dtype=np.intc), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(indptr) - 1, len(vocabulary)),
            dtype=self.dtype,
        )
        counts.sum_duplicates()  # repeated n-grams become counts, indices sorted, as scikit-learn's
        return self._tfidf.transform(counts, copy=False)
