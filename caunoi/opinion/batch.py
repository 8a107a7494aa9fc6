"""``caunoi analyze``: one text per line in, one JSON object per line out, or a score with
``--evaluate``. Runs without a database: it uses the models of the shipped corpus (officers'
corrections live in the database and reach the web and the API), so a result is reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from caunoi.opinion.analysis import BATCH, Analysis, analyse
from caunoi.opinion.classifier import load_or_train

UNDECODABLE = "\x00"  # a line that is not UTF-8 is analysed as binary


def read_lines(stream: IO[bytes]) -> Iterator[str]:
    for raw in stream:
        raw = raw.rstrip(b"\r\n")
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield UNDECODABLE


def analyse_stream(lines: Iterable[str]) -> Iterator[Analysis]:
    models = load_or_train()
    chunk: list[str] = []
    first = 1
    for line in lines:
        chunk.append(line)
        if len(chunk) == BATCH:
            yield from analyse(models, chunk, first_id=first)
            first += len(chunk)
            chunk = []
    if chunk:
        yield from analyse(models, chunk, first_id=first)


def json_line(result: Analysis) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False)


@dataclass(frozen=True)
class Score:
    task: str
    n: int
    accuracy: float
    macro_f1: float

    def line(self) -> str:
        return f"{self.task:<10} accuracy {self.accuracy:.3f}  macro-F1 {self.macro_f1:.3f}  (n={self.n})"


def read_labels(stream: IO[bytes]) -> list[tuple[str, str]]:
    """One ``topic<TAB>sentiment`` line per text line; ``-`` or nothing where a label is unknown."""
    labels = []
    for line in read_lines(stream):
        parts = [*line.split("\t"), "", ""][:2]
        labels.append((parts[0].strip(), parts[1].strip()))
    return labels


def evaluate(results: list[Analysis], labels: list[tuple[str, str]]) -> list[Score]:
    from sklearn.metrics import accuracy_score, f1_score

    scores = []
    for index, task in enumerate(("topic", "sentiment")):
        gold, predicted = [], []
        for result, label in zip(results, labels, strict=False):
            expected = label[index]
            got = result.topic if task == "topic" else result.sentiment
            if expected in ("", "-") or got is None:
                continue
            gold.append(expected)
            predicted.append(got)
        if gold:
            scores.append(
                Score(
                    task,
                    len(gold),
                    float(accuracy_score(gold, predicted)),
                    float(f1_score(gold, predicted, average="macro", zero_division=0)),
                )
            )
    return scores
