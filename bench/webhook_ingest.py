"""Webhook ingest: signed Zalo events into ``POST /webhooks/zalo`` on this machine, SQLite and PostgreSQL.

For each database: a throwaway database is migrated, a ZaloAccount is made for the emulator's OA, and
gunicorn (2 sync workers, as in production) serves the product with ``bench.ingest_settings``, whose
URL conf adds the baseline ``POST /bench/insert``: a bare Django view that inserts one row into a bare
table of the same database, through the same middleware. A load generator in this process (one
httpx.Client, a thread pool, a bounded number of requests and seconds) sends alternating rounds of
baseline inserts and distinct signed events built as the emulator builds them, and measures each
acknowledgement. About 5 % of the webhook requests repeat an event (same body, ``num_retry`` header):
half re-send an event acknowledged in an earlier round, half go out together with their original.

Checked after the run, in the database itself: every distinct event sent is stored exactly once (the
set of idempotency keys is compared, not only the count), every repeat was acknowledged with 200 and
``duplicate: true``, and the baseline table holds one row per baseline request.

Targets (issue #3): ingest ≥ 0.7 of the baseline's requests/s, p99 < 100 ms, in == stored.

The queue is the one production pairs with each database: an SqliteHuey file beside SQLite, Redis
(BENCH_INGEST_REDIS, default redis://127.0.0.1:6379/0, under a queue name of the run's own whose keys
are deleted afterwards) beside PostgreSQL.

Settings: BENCH_INGEST_REQUESTS per round (default 3000), BENCH_INGEST_ROUNDS (3),
BENCH_INGEST_THREADS (8), BENCH_INGEST_ROUND_SECONDS (8, a round stops sending after that),
BENCH_INGEST_DATABASES (default "sqlite,postgresql"), BENCH_INGEST_POSTGRES
(default postgres://postgres@127.0.0.1:5432/caunoi_bench_ingest; created and dropped here).
Each database takes well under 60 s; every process started here is stopped in ``finally``.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caunoi.channels.zalo.emulator.config import EmulatorConfig  # noqa: E402
from caunoi.channels.zalo.emulator.events import user_event  # noqa: E402
from caunoi.channels.zalo.emulator.population import Follower, PersonMaker  # noqa: E402
from caunoi.channels.zalo.emulator.texts import citizen_message  # noqa: E402
from caunoi.channels.zalo.emulator.webhooks import signature  # noqa: E402
from caunoi.channels.zalo.emulator.wire import dumps  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_INGEST_REQUESTS", "3000"))
ROUNDS = int(os.environ.get("BENCH_INGEST_ROUNDS", "3"))
THREADS = int(os.environ.get("BENCH_INGEST_THREADS", "8"))
ROUND_SECONDS = float(os.environ.get("BENCH_INGEST_ROUND_SECONDS", "8"))
DATABASES = os.environ.get("BENCH_INGEST_DATABASES", "sqlite,postgresql").split(",")
POSTGRES_URL = os.environ.get(
    "BENCH_INGEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/caunoi_bench_ingest"
)
REDIS_URL = os.environ.get("BENCH_INGEST_REDIS", "redis://127.0.0.1:6379/0")
WARMUP = 300
DUPLICATE_SHARE = 0.05
BUDGET_SECONDS = 60.0  # per database, setup included
TARGET_RATIO, TARGET_P99_MS = 0.7, 100.0
BASELINE_TABLE = "bench_ingest_baseline"  # as in bench/ingest_urls.py
EMULATOR = EmulatorConfig(province=None, followers=0, seed=11)


# One request the generator sends, and what it must get back ---------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str]
    key: str = ""  # the event's idempotency key, as the product derives it
    repeat: bool = False  # a re-send of an event already sent


@dataclass
class Round:
    label: str
    sent: int
    elapsed: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    duplicates_acknowledged: int
    client_cpu: float  # seconds of this process's CPU during the round
    server_cpu: float  # seconds of the gunicorn workers' CPU during the round

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


@dataclass
class Events:
    """Distinct signed events from a population of followers, made and signed as the emulator does."""

    rng: random.Random = field(default_factory=lambda: random.Random(7))
    people: list[Follower] = field(init=False)

    def __post_init__(self) -> None:
        maker, now = PersonMaker(EMULATOR, self.rng), time.time()
        self.people = [maker.person(now=now, following=True, last_interaction=now) for _ in range(500)]

    def new(self) -> Request:
        person = self.rng.choice(self.people)
        _topic, text = citizen_message(self.rng, place=person.village, commune="")
        msg_id = secrets.token_hex(10)
        event = user_event(EMULATOR, person, "user_send_text", {"msg_id": msg_id, "text": text}, time.time())
        body = dumps(event)
        mac = signature(EMULATOR.signature_id, body, event["timestamp"], EMULATOR.webhook_signing_secret)
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": mac}
        return Request("/webhooks/zalo", body, headers, key=f"user_send_text:{msg_id}")

    @staticmethod
    def repeat(original: Request, number: int = 1) -> Request:
        headers = {**original.headers, "num_retry": str(number)}
        return Request(original.path, original.body, headers, key=original.key, repeat=True)

    def round(self, count: int, earlier: list[Request]) -> list[Request]:
        """``count`` requests: new events, with ~5 % repeats (half of earlier events, half concurrent)."""
        requests: list[Request] = []
        while len(requests) < count:
            roll = self.rng.random()
            if roll < DUPLICATE_SHARE / 2 and earlier:
                requests.append(self.repeat(self.rng.choice(earlier)))
            elif roll < DUPLICATE_SHARE:
                original = self.new()
                requests += [original, self.repeat(original)]  # in flight together
            else:
                requests.append(self.new())
        return requests


def baseline_requests(count: int) -> list[Request]:
    """Bodies the size of a webhook event, so both sides move the same bytes."""
    return [
        Request(
            "/bench/insert",
            dumps({"n": i, "text": "Đường vào thôn bị sạt lở, đề nghị xã kiểm tra " + secrets.token_hex(60)}),
            {"Content-Type": "application/json"},
        )
        for i in range(count)
    ]


# The server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(database_url: str, tmp: Path) -> dict[str, str]:
    """The product's environment for one database, with the queue production pairs it with: a
    throwaway SqliteHuey file beside SQLite, and Redis beside PostgreSQL (docs/operations.md) under a
    queue name of this run's own, whose keys ``redis_queue`` deletes afterwards."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CAUNOI_", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.update(
        {
            "SECRET_KEY": "bench-only-secret-key-" + secrets.token_hex(16),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.ingest_settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            "CAUNOI_DEMO": "0",
            "CAUNOI_DEBUG": "0",
            "CAUNOI_SSL_REDIRECT": "0",
            "CAUNOI_VAR_DIR": str(tmp),
            "CAUNOI_HUEY_FILE": str(tmp / "huey.sqlite3"),
            "CAUNOI_HUEY_NAME": f"bench-ingest-{secrets.token_hex(4)}",
            "CAUNOI_ZALO_APP_ID": EMULATOR.app_id,
            "CAUNOI_ZALO_APP_SECRET": EMULATOR.app_secret,
            "CAUNOI_ZALO_OA_SECRET_KEY": EMULATOR.oa_secret_key,
            "CAUNOI_ZALO_WEBHOOK_SIGNER": "oa",
            "PYTHONPATH": str(ROOT),
        }
    )
    if database_url.startswith("postgres"):
        env["REDIS_URL"] = REDIS_URL
    return env


@contextmanager
def redis_queue(env: dict[str, str]) -> Iterator[None]:
    """Deletes the run's queue keys (``huey.redis.NAME``, ``huey.schedule.NAME``…) when it ends."""
    try:
        yield
    finally:
        if "REDIS_URL" in env:
            import redis

            connection = redis.Redis.from_url(env["REDIS_URL"])
            keys = list(connection.scan_iter(f"huey.*.{env['CAUNOI_HUEY_NAME']}*"))
            if keys:
                connection.delete(*keys)


def prepare(env: dict[str, str]) -> None:
    """Migrate, add the OA's account and the baseline table: in a child, so each database has its own
    Django settings."""
    subprocess.run([sys.executable, __file__, "--prepare"], env=env, cwd=ROOT, check=True, timeout=120)


def prepare_here() -> None:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from caunoi.channels.models import ZaloAccount
    from caunoi.geo.models import Unit

    call_command("migrate", verbosity=0)
    province = Unit.objects.create(
        code="08",
        name="Tỉnh Tuyên Quang",
        short_name="Tuyên Quang",
        name_folded="tinh tuyen quang",
        level="province",
        unit_type="tinh",
        path="VN/08/",
        valid_from=dt.date(2025, 7, 1),
    )
    ZaloAccount.objects.create(
        unit=province, oa_id=EMULATOR.oa_id, app_id=EMULATOR.app_id, name=EMULATOR.oa_name
    )
    postgres = connection.vendor == "postgresql"
    key = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {BASELINE_TABLE} (id {key}, body TEXT NOT NULL)")


@contextmanager
def gunicorn(
    env: dict[str, str], tmp: Path, workers: int = 2
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    argv = [
        str(Path(sys.executable).with_name("gunicorn")),
        "caunoi.wsgi:application",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--no-control-socket",
        f"--chdir={ROOT}",
        f"--error-logfile={tmp / 'gunicorn.log'}",
        "--log-level=warning",
    ]
    with open(tmp / "server.log", "wb") as log:  # Django's own log lines (stderr), kept out of the report
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)  # 200 or 503 (no worker heartbeat): it answers
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log_tail = (tmp / "server.log").read_text()[-2000:]
                    raise SystemExit(f"gunicorn did not start:\n{log_tail}") from None
                time.sleep(0.1)
        while len(worker_pids(process.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only what it started
                process.wait(timeout=5)


def worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == master:  # the parent pid
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# The load generator -----------------------------------------------------------------------------


def run_round(
    client: httpx.Client, url: str, label: str, requests: list[Request], pids: list[int]
) -> tuple[Round, list[Request]]:
    """Send ``requests`` from THREADS threads, stopping after ROUND_SECONDS; what was acknowledged."""
    deadline = time.monotonic() + ROUND_SECONDS
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    acknowledged: list[Request] = []
    duplicates = 0
    lock = threading.Lock()

    def one(request: Request) -> None:
        nonlocal duplicates
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        try:
            response = client.post(url + request.path, content=request.body, headers=request.headers)
            status = response.status_code
            duplicate = status == 200 and response.json().get("duplicate") is True
        except httpx.HTTPError:
            status, duplicate = 0, False
        elapsed_ms = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed_ms)
            statuses[status] = statuses.get(status, 0) + 1
            duplicates += duplicate
            if status == 200:
                acknowledged.append(request)

    cpu_before, server_before = time.process_time(), cpu_seconds(pids)
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, requests))
    elapsed = time.perf_counter() - started
    outcome = Round(
        label=label,
        sent=len(latencies),
        elapsed=elapsed,
        latencies_ms=latencies,
        statuses=statuses,
        duplicates_acknowledged=duplicates,
        client_cpu=time.process_time() - cpu_before,
        server_cpu=cpu_seconds(pids) - server_before,
    )
    return outcome, acknowledged


# Checks in the database itself ------------------------------------------------------------------


def stored_rows(database_url: str, sqlite_path: Path | None) -> tuple[list[str], int]:
    """The webhook events' idempotency keys, and the baseline's row count."""
    events = "SELECT dedupe_key FROM channels_webhookevent WHERE channel = 'zalo'"
    baseline = f"SELECT count(*) FROM {BASELINE_TABLE}"
    if sqlite_path is not None:
        lite = sqlite3.connect(sqlite_path)
        try:
            keys = [row[0] for row in lite.execute(events)]
            count = lite.execute(baseline).fetchone()[0]
        finally:
            lite.close()
        return keys, int(count)
    with psycopg.connect(database_url) as pg:
        keys = [row[0] for row in pg.execute(events)]
        row = pg.execute(baseline).fetchone()
    return keys, int(row[0]) if row else 0


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    name = urlsplit(url).path.lstrip("/")
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# One database -----------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    baseline: Round
    ingest: Round
    rounds: dict[str, list[float]]
    checks: list[str]
    ok: bool


def bench_database(label: str, database_url: str, tmp: Path, sqlite_path: Path | None = None) -> Result:
    started = time.monotonic()
    env = server_env(database_url, tmp)
    with redis_queue(env):
        return _bench_database(label, env, database_url, tmp, sqlite_path, started)


def _bench_database(
    label: str, env: dict[str, str], database_url: str, tmp: Path, sqlite_path: Path | None, started: float
) -> Result:
    prepare(env)
    events = Events()
    baseline_sent = repeats_sent = duplicates_acknowledged = non_200 = 0
    all_rounds: dict[str, list[Round]] = {"baseline": [], "ingest": []}
    acknowledged_events: list[Request] = []  # every 200 to an event, repeats included
    limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
    with gunicorn(env, tmp) as (url, server), httpx.Client(limits=limits, timeout=10) as client:
        pids = worker_pids(server.pid)
        plan = [("warm-up", WARMUP)] + [(f"round {n + 1}", REQUESTS) for n in range(ROUNDS)]
        for name, count in plan:
            if time.monotonic() - started > BUDGET_SECONDS - 2 * ROUND_SECONDS:
                print(f"  ({name} and later skipped: the {BUDGET_SECONDS:.0f} s budget)")
                break
            base, _ = run_round(client, url, "baseline", baseline_requests(count), pids)
            baseline_sent += base.sent
            requests = events.round(count, [r for r in acknowledged_events if not r.repeat])
            ingest, acknowledged = run_round(client, url, "ingest", requests, pids)
            repeats_sent += sum(r.repeat for r in acknowledged)
            acknowledged_events += acknowledged
            duplicates_acknowledged += ingest.duplicates_acknowledged
            non_200 += sum(n for status, n in (base.statuses | ingest.statuses).items() if status != 200)
            if name != "warm-up":
                all_rounds["baseline"].append(base)
                all_rounds["ingest"].append(ingest)
    keys, baseline_rows = stored_rows(database_url, sqlite_path)

    # Requests skipped at a round's deadline were never sent, so only acknowledged events are expected;
    # every acknowledgement beyond the first of an event must have said "duplicate".
    sent_keys = {r.key for r in acknowledged_events}
    stored = set(keys)
    lost = len(sent_keys - stored)
    doubled = len(keys) - len(stored)
    unexpected = len(stored - sent_keys)
    expected_duplicates = len(acknowledged_events) - len(sent_keys)
    checks = [
        f"events: {len(sent_keys):,} distinct acknowledged, {len(keys):,} rows stored "
        f"({lost} lost, {doubled} stored twice, {unexpected} never acknowledged)",
        f"repeats with num_retry: {repeats_sent} acknowledged, {duplicates_acknowledged} answered "
        f"duplicate (expected {expected_duplicates})",
        f"baseline: {baseline_sent:,} inserts acknowledged, {baseline_rows:,} rows",
        f"non-200 answers: {non_200}",
    ]
    ok = (
        lost == doubled == unexpected == non_200 == 0
        and duplicates_acknowledged == expected_duplicates == repeats_sent
        and baseline_rows == baseline_sent
    )
    best = {side: max(rounds, key=lambda r: r.rate) for side, rounds in all_rounds.items()}
    return Result(
        database=label,
        baseline=best["baseline"],
        ingest=best["ingest"],
        rounds={side: [r.rate for r in rounds] for side, rounds in all_rounds.items()},
        checks=checks,
        ok=ok,
    )


def report(result: Result) -> bool:
    print(f"\n{result.database}: gunicorn sync, 2 workers; {THREADS} client threads; best of {ROUNDS} rounds")
    for side, path in (("baseline", "POST /bench/insert"), ("ingest", "POST /webhooks/zalo")):
        r: Round = getattr(result, side)
        rounds = ", ".join(f"{rate:,.0f}" for rate in result.rounds[side])
        print(
            f"  {side:<8} {path:<20} {r.rate:7,.0f} req/s   p50 {r.quantile(50):6.2f} ms   "
            f"p99 {r.quantile(99):6.2f} ms   server CPU {1000 * r.server_cpu / r.sent:5.2f} ms/req   "
            f"client CPU {r.client_cpu / r.elapsed:4.0%}   (rounds: {rounds})"
        )
    ratio = result.ingest.rate / result.baseline.rate
    p99 = result.ingest.quantile(99)
    paired = ", ".join(
        f"{i / b:.2f}" for b, i in zip(result.rounds["baseline"], result.rounds["ingest"], strict=True)
    )
    print(f"  ratio of the best rounds {ratio:.2f}; round by round {paired}")
    for line in result.checks:
        print(f"  {line}")
    verdicts = [
        f"ratio {ratio:.2f} (target ≥ {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})",
        f"p99 {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'NOT met'})",
        f"in == stored: {'met' if result.ok else 'NOT met'}",
    ]
    print("  " + "; ".join(verdicts))
    return ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and result.ok


def main() -> None:
    if sys.argv[1:] == ["--prepare"]:
        prepare_here()
        return
    print(
        f"webhook ingest on {os.cpu_count()} cores: {REQUESTS} requests/round, {ROUNDS} rounds, "
        f"{THREADS} threads, ≤ {ROUND_SECONDS:.0f} s/round, ~{DUPLICATE_SHARE:.0%} repeats"
    )
    results = []
    for database in DATABASES:
        tmp = Path(tempfile.mkdtemp(prefix="caunoi-bench-ingest-"))
        try:
            if database == "sqlite":
                path = tmp / "ingest.sqlite3"
                results.append(bench_database("SQLite (WAL), SQLite queue", f"sqlite:///{path}", tmp, path))
            elif database == "postgresql":
                with postgres_database(POSTGRES_URL) as url:
                    results.append(bench_database("PostgreSQL, Redis queue", url, tmp))
            else:
                raise SystemExit(f"unknown database {database!r}: sqlite or postgresql")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    met = [report(result) for result in results]
    print(f"\nall targets {'met' if all(met) else 'NOT met'}")


if __name__ == "__main__":
    main()
