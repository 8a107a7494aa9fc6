"""The fast paths must change speed only: the segmenter gives pyvi's words and the word-wise TF-IDF
gives scikit-learn's matrix, entry for entry, on the whole corpus and on awkward input."""

from __future__ import annotations

import pickle

import pytest
from pyvi import ViTokenizer
from sklearn.feature_extraction.text import TfidfVectorizer

from caunoi.opinion import segmenter
from caunoi.opinion.corpus.build import heldout_examples, training_examples
from caunoi.opinion.features import WordwiseTfidf
from caunoi.opinion.pipeline import normalise, redact

AWKWARD = [
    "Anh Hùng ở Tp. Tuyên Quang gửi a.b@x.vn 12.000.000 đồng ->  ... ==> Mr. Nam",
    "ĐƯỜNG SẠT LỞ Ko đi Đc!!!",
    "xem http://x.vn/a?b=1 nhé, 2,5 tấn",
    "_ __ a_b 3.4.5",
    "",
    "   ",
    "🙂🙂",
]


def _texts() -> list[str]:
    raw = [e.text for e in (*training_examples(), *heldout_examples())] + AWKWARD
    return raw + [normalise(redact(t)) for t in raw]


def test_the_segmenter_gives_exactly_pyvis_words() -> None:
    texts = _texts()
    assert len(texts) > 3000
    different = [t for t in texts if segmenter.tokenize(t) != ViTokenizer.tokenize(t)]
    assert different == []
    assert segmenter.tokenize("đường sạt lở không đi được") == "đường sạt_lở không đi được"


def test_wordwise_tfidf_gives_exactly_scikit_learns_matrix() -> None:
    texts = [segmenter.tokenize(t) for t in _texts()]
    train, test = texts[::2], texts[1::2]
    for params in (
        {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True, "min_df": 2},
        {"token_pattern": r"\S+", "ngram_range": (1, 2), "sublinear_tf": True, "min_df": 1},
    ):
        ours = WordwiseTfidf(**params).fit(train)
        reference = TfidfVectorizer(**params).fit(train)
        for _ in range(2):  # the second pass reads the remembered words
            got, expected = ours.transform(test), reference.transform(test)
            assert got.shape == expected.shape
            assert (got != expected).nnz == 0
        # The remembered words are not pickled with the model.
        assert "_columns" not in pickle.loads(pickle.dumps(ours)).__dict__  # noqa: S301 - our own bytes


def test_wordwise_tfidf_refuses_settings_it_does_not_reproduce() -> None:
    vectoriser = WordwiseTfidf(analyzer="char", ngram_range=(2, 3)).fit(["một hai ba"])
    with pytest.raises(ValueError, match="char_wb"):
        vectoriser.transform(["một"])
