"""The long fuzz: tests/test_api_fuzz.py and tests/test_open311_fuzz.py with many more examples each.

``make test`` runs 12 examples per operation; this runs ``BENCH_FUZZ_EXAMPLES`` (default 300) on
SQLite and, when a server answers, on PostgreSQL (``BENCH_PG_URL``). It prints the requests made, the
time, and the failures; any failure (a 5xx, an error that is not problem+json, a response the
OpenAPI document does not describe) makes it exit non-zero.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "300"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/caunoi_fuzz")


def run(label: str, database_url: str | None) -> bool:
    env = {**os.environ, "CAUNOI_FUZZ_EXAMPLES": str(EXAMPLES)}
    if database_url:
        env["DATABASE_URL"] = database_url
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_api_fuzz.py",
            "tests/test_open311_fuzz.py",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    summary = (result.stdout.strip().splitlines() or ["no output"])[-1]
    operations = sum(int(n) for n in re.findall(r"(\d+) (?:passed|failed)", summary))
    print(f"{label}: {operations} operations, up to {EXAMPLES} examples in {seconds:.0f} s — {summary}")
    if result.returncode != 0:
        print(result.stdout[-6000:])
    return result.returncode == 0


def postgres_answers() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


if __name__ == "__main__":
    print(f"load average {os.getloadavg()[0]:.1f}")
    ok = run("SQLite", None)
    if postgres_answers():
        ok = run("PostgreSQL", PG_URL) and ok
    else:
        print("PostgreSQL: skipped, no server answers on 127.0.0.1")
    sys.exit(0 if ok else 1)
