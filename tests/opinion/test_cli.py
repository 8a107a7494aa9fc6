"""``caunoi analyze`` as a user runs it: a real subprocess, stdin and files, bad lines, --evaluate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from caunoi.opinion.corpus.build import heldout_examples

KEYS = {"text_id", "topic", "topic_score", "sentiment", "urgency", "needs_moderation"}


def _run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the command needs no Django and no database
    return subprocess.run(
        [sys.executable, "-m", "caunoi.cli", "analyze", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_stdin_gives_one_json_object_per_line() -> None:
    text = "Đường vào thôn Tha sạt lở, có người bị mắc kẹt\ncảm ơn xã đã sửa đèn đường rất nhanh\n"
    done = _run(["-"], text.encode())
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [set(line) for line in lines] == [KEYS, KEYS]
    assert lines[0]["text_id"] == 1 and lines[0]["topic"] == "disasters" and lines[0]["urgency"] >= 0.5
    assert lines[1]["sentiment"] == "positive"
    assert isinstance(lines[0]["needs_moderation"], bool) and 0 <= lines[0]["topic_score"] <= 1


def test_bad_lines_get_a_defined_answer_and_their_line_number_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    lines = [
        "mất điện cả ngày hôm nay".encode(),
        b"",
        ("x" * 1_000_000).encode(),
        b"\xff\xfe\x00\x01binary",
        "😀😡👍".encode(),
        b"...!!!",
        "Đường ở Хабаровск hỏng 道路".encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    done = _run([str(path)])
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [o["text_id"] for o in out] == [1, 2, 3, 4, 5, 6, 7]
    assert [o.get("skipped") for o in out] == [
        None,
        "empty",
        "too_long",
        "binary",
        "no_words",
        "no_words",
        None,
    ]
    assert all(o["topic"] is None for o in out if "skipped" in o)
    stderr = done.stderr.decode()
    for n, reason in [(2, "empty"), (3, "too_long"), (4, "binary"), (5, "no_words"), (6, "no_words")]:
        assert f"line {n} skipped ({reason})" in stderr


def test_evaluate_prints_accuracy_and_macro_f1(tmp_path: Path) -> None:
    heldout = heldout_examples()
    texts, labels = tmp_path / "texts.txt", tmp_path / "labels.tsv"
    texts.write_text("".join(f"{e.text}\n" for e in heldout), encoding="utf-8")
    labels.write_text("".join(f"{e.topic}\t{e.sentiment}\n" for e in heldout), encoding="utf-8")
    done = _run([str(texts), "--evaluate", str(labels)])
    assert done.returncode == 0, done.stderr
    report = {line.split()[0]: line.split() for line in done.stdout.decode().splitlines()}
    assert set(report) == {"topic", "sentiment"}
    assert float(report["topic"][report["topic"].index("macro-F1") + 1]) >= 0.80
    assert float(report["sentiment"][report["sentiment"].index("accuracy") + 1]) >= 0.75
    assert f"(n={len(heldout)})" in report["topic"]


def test_a_missing_file_is_a_usage_error() -> None:
    done = _run(["/nonexistent/file.txt"])
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
