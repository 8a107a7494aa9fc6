"""SOS under load: how long from an SOS webhook until the message is pinned at the top of its inbox,
while other messages arrive at BENCH_SOS_RATE per second (issue 5: < 5 s at p99 with 500/s), on
PostgreSQL with the real parts.

gunicorn serves the product (2 sync workers, as ``caunoi serve`` starts it), ``caunoi worker`` runs
the queue on Redis (BENCH_SOS_WORKER_THREADS threads) at a lower CPU priority than the web server (see
``lower_priority``), and this process is the load generator: signed ``user_send_text`` events built
as the Zalo emulator builds them, posted to ``/webhooks/zalo`` at a paced rate from one asyncio loop
(open loop: each leaves at its time, answered or not). Every SECONDS / SOS_COUNT an SOS ("Cứu với!
Nước lũ đang lên…") is posted by a follower who sends nothing else; a poller reads the database every
50 ms and records when that follower's conversation is flagged SOS and among the first page of the
province inbox in the list's own order (``-is_sos, -last_message_at, -id``): pinned at the top, as
the officer sees it. Afterwards the events stored must equal those acknowledged, and the worker must
apply the whole backlog.

Baseline, measured in the same run first: the same SOS with no other traffic. The ratio says what the
background load costs. The achieved background rate is printed (acknowledged webhooks per second);
on a shared 2-core machine it may fall short of the target, and the figure says so.

Settings: BENCH_SOS_RATE (500), BENCH_SOS_SECONDS (30), BENCH_SOS_COUNT (20 SOS under load),
BENCH_SOS_IDLE (5 SOS without load), BENCH_SOS_IN_FLIGHT (256 requests at most),
BENCH_SOS_WEB_WORKERS (2), BENCH_SOS_WORKER_THREADS (2), BENCH_SOS_WORKER_NICE (10),
BENCH_SOS_POSTGRES (default postgres://postgres@127.0.0.1:5432/caunoi_bench_sos; created and dropped).
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webhook_ingest import (  # noqa: E402  (bench/ is on sys.path as this script's folder)
    EMULATOR,
    Events,
    Request,
    cpu_seconds,
    gunicorn,
    postgres_database,
    redis_queue,
    server_env,
    worker_pids,
)

from caunoi.channels.zalo.emulator.events import user_event  # noqa: E402
from caunoi.channels.zalo.emulator.population import PersonMaker  # noqa: E402
from caunoi.channels.zalo.emulator.webhooks import signature  # noqa: E402
from caunoi.channels.zalo.emulator.wire import dumps  # noqa: E402

RATE = float(os.environ.get("BENCH_SOS_RATE", "500"))
SECONDS = float(os.environ.get("BENCH_SOS_SECONDS", "30"))
SOS_COUNT = int(os.environ.get("BENCH_SOS_COUNT", "20"))
IDLE_COUNT = int(os.environ.get("BENCH_SOS_IDLE", "5"))
MAX_IN_FLIGHT = int(os.environ.get("BENCH_SOS_IN_FLIGHT", "256"))
WEB_WORKERS = int(os.environ.get("BENCH_SOS_WEB_WORKERS", "2"))
WORKER_THREADS = int(os.environ.get("BENCH_SOS_WORKER_THREADS", "2"))
# On one machine the web server must win the CPU: Zalo waits for its 200, while the worker's backlog
# can wait (docs/operations.md: CPUWeight=20 in the worker's systemd unit).
WORKER_NICE = int(os.environ.get("BENCH_SOS_WORKER_NICE", "10"))
POSTGRES_URL = os.environ.get("BENCH_SOS_POSTGRES", "postgres://postgres@127.0.0.1:5432/caunoi_bench_sos")
TARGET_P99_S = 5.0
GIVE_UP_S = 90.0  # an SOS not on top after this is counted as this long (and reported as missed)
POLL_S = 0.05
FIRST_PAGE = 50  # rows of the inbox's first page
SOS_TEXT = "Cứu với! Nước lũ đang lên, nhà tôi có 3 người mắc kẹt trên mái nhà"

TOP_PAGE_SQL = f"""
SELECT c.id, c.is_sos FROM inbox_conversation c
ORDER BY c.is_sos DESC, c.last_message_at DESC, c.id DESC LIMIT {FIRST_PAGE}
"""
MSG_OF_CONVERSATION_SQL = """
SELECT m.provider_message_id, e.conversation_id FROM inbox_entry e
JOIN channels_inboundmessage m ON m.id = e.inbound_id
WHERE m.channel = 'zalo' AND m.provider_message_id = ANY(%s)
"""


@dataclass
class Sos:
    msg_id: str
    request: Request
    sent_at: float = 0.0
    on_top_at: float | None = None

    @property
    def seconds(self) -> float:
        return (self.on_top_at - self.sent_at) if self.on_top_at is not None else GIVE_UP_S


@dataclass
class SosMaker:
    rng: random.Random = field(default_factory=lambda: random.Random(99))

    def __post_init__(self) -> None:
        self.maker = PersonMaker(EMULATOR, self.rng)

    def new(self) -> Sos:
        """An SOS from a follower who writes nothing else, so their conversation tells the SOS apart."""
        now = time.time()
        person = self.maker.person(now=now, following=True, last_interaction=now)
        msg_id = secrets.token_hex(10)
        event = user_event(EMULATOR, person, "user_send_text", {"msg_id": msg_id, "text": SOS_TEXT}, now)
        body = dumps(event)
        mac = signature(EMULATOR.signature_id, body, event["timestamp"], EMULATOR.webhook_signing_secret)
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": mac}
        return Sos(msg_id, Request("/webhooks/zalo", body, headers, key=f"user_send_text:{msg_id}"))


# Processes ------------------------------------------------------------------------------------


def prepare_here() -> None:
    """Migrate, load the province's communes and connect the emulator's OA to the province."""
    import django

    django.setup()
    from django.core.management import call_command

    from caunoi.channels.models import ZaloAccount
    from caunoi.geo.models import Unit
    from caunoi.geo.services import units_load

    call_command("migrate", verbosity=0)
    units_load(province_code="08")
    ZaloAccount.objects.create(
        unit=Unit.objects.get(code="08"), oa_id=EMULATOR.oa_id, app_id=EMULATOR.app_id, name=EMULATOR.oa_name
    )


def lower_priority(pid: int) -> None:
    """The worker runs in its own session, which Linux's autogroup scheduling makes a group of its own
    with an equal share of the CPU whatever its processes' nice value; the group's own nice value is
    what counts there (``/proc/PID/autogroup``), as a systemd unit's CPUWeight= does in production."""
    autogroup = Path(f"/proc/{pid}/autogroup")
    if autogroup.exists():
        try:
            autogroup.write_text(str(WORKER_NICE))
        except OSError as exc:
            print(f"  (the worker's autogroup keeps its priority: {exc})")


@contextmanager
def worker(env: dict[str, str], tmp: Path) -> Iterator[subprocess.Popen[bytes]]:
    argv = [
        "nice",
        "-n",
        str(WORKER_NICE),
        sys.executable,
        "-m",
        "caunoi.cli",
        "worker",
        "--workers",
        str(WORKER_THREADS),
    ]
    with open(tmp / "worker.log", "wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    lower_priority(process.pid)
    try:
        time.sleep(3)  # the consumer starts and its startup hook starts the inbox pump
        if process.poll() is not None:
            raise SystemExit(f"the worker did not start:\n{(tmp / 'worker.log').read_text()[-2000:]}")
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Huey's consumer stops gracefully on SIGINT
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only what it started
                process.wait(timeout=5)


# Measuring ------------------------------------------------------------------------------------


class Poller(threading.Thread):
    """Marks each sent SOS once its conversation is flagged and on the inbox's first page."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.pending: dict[str, Sos] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def watch(self, sos: Sos) -> None:
        with self.lock:
            self.pending[sos.msg_id] = sos

    def run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as db:
            while not self.stop.is_set():
                with self.lock:
                    waiting = dict(self.pending)
                if waiting:
                    now = time.monotonic()
                    rows = db.execute(MSG_OF_CONVERSATION_SQL, [list(waiting)]).fetchall()
                    top = {cid for cid, is_sos in db.execute(TOP_PAGE_SQL).fetchall() if is_sos}
                    for msg_id, conversation_id in rows:
                        if conversation_id in top:
                            waiting[msg_id].on_top_at = now
                            with self.lock:
                                self.pending.pop(msg_id, None)
                time.sleep(POLL_S)

    def wait_empty(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.pending:
                    return
            time.sleep(0.1)


@dataclass
class Load:
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    ack_ms: list[float] = field(default_factory=list)
    elapsed: float = 0.0


def wire(request: Request, host: str) -> bytes:
    """The whole HTTP/1.1 request as bytes, built before the run so sending costs only the socket."""
    head = [f"POST {request.path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(request.body)}"]
    head += [f"{name}: {value}" for name, value in request.headers.items()]
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body


async def post(address: tuple[str, int], data: bytes) -> tuple[int, float]:
    """One request on its own connection (gunicorn's sync workers close each one anyway)."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(*address)
        writer.write(data)
        status_line = await reader.readline()
        await reader.read()  # to the end: the server closes
        writer.close()
        status = int(status_line.split()[1])
    except (OSError, IndexError, ValueError):
        status = 0
    return status, (time.perf_counter() - start) * 1000


def run_load(url: str, requests: list[Request], sos: list[Sos], poller: Poller, seconds: float) -> Load:
    """Background requests paced at len/seconds per second, and the SOS spread evenly among them.

    An open-loop load: each request leaves at its time whether or not earlier ones were answered (up
    to MAX_IN_FLIGHT), as Zalo's servers send, from one asyncio loop whose cost per request is a small
    fraction of the server's, so the generator does not take the CPU the product needs.
    """
    host = url.removeprefix("http://")
    name, port = host.rsplit(":", 1)
    address = (name, int(port))
    background = [wire(request, host) for request in requests]
    emergencies = [(item, wire(item.request, host)) for item in sos]
    load = Load()

    async def one(data: bytes, limit: asyncio.Semaphore) -> None:
        async with limit:
            status, ms = await post(address, data)
        load.sent += 1
        if status == 200:
            load.acknowledged += 1
            load.ack_ms.append(ms)
        else:
            load.failed += 1

    async def emergency(item: Sos, data: bytes) -> None:
        item.sent_at = time.monotonic()
        poller.watch(item)
        status, _ms = await post(address, data)
        if status != 200:
            print(f"  SOS {item.msg_id} answered {status}")

    async def main() -> None:
        limit = asyncio.Semaphore(MAX_IN_FLIGHT)
        plan = [
            (seconds * (i + 0.5) / max(1, len(sos)), emergency(item, data))
            for i, (item, data) in enumerate(emergencies)
        ]
        rate = len(background) / seconds if background else 0.0
        plan += [(number / rate, one(data, limit)) for number, data in enumerate(background)]
        plan.sort(key=lambda step: step[0])
        start = time.monotonic()
        tasks = []
        for due, coroutine in plan:
            wait = start + due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(coroutine))
        await asyncio.gather(*tasks)
        load.elapsed = time.monotonic() - start

    asyncio.run(main())
    return load


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def drain(database_url: str, timeout: float = 300.0) -> tuple[int, float | None]:
    """Events stored, and how long until the worker had applied them all (nothing accepted is lost)."""
    start = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as db:
        while True:
            row = db.execute("SELECT count(*), count(processed_at) FROM channels_webhookevent").fetchone()
            stored, applied = row if row else (0, 0)
            if stored == applied:
                return stored, time.monotonic() - start
            if time.monotonic() - start > timeout:
                return stored, None
            time.sleep(1)


def describe(label: str, items: list[Sos]) -> tuple[float, float]:
    seconds = sorted(item.seconds for item in items)
    missed = sum(1 for item in items if item.on_top_at is None)
    p50, p99 = quantile(seconds, 50), quantile(seconds, 99)
    print(
        f"{label:28} n={len(items):3}  p50 {p50:6.2f} s  p99 {p99:6.2f} s  max {seconds[-1]:6.2f} s"
        + (f"  missed {missed}" if missed else "")
    )
    return p50, p99


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="caunoi-bench-sos-"))
    try:
        with ExitStack() as stack, postgres_database(POSTGRES_URL) as database_url:
            env = server_env(database_url, tmp)
            env.update({"DJANGO_SETTINGS_MODULE": "caunoi.settings"})
            stack.enter_context(redis_queue(env))
            subprocess.run(
                [sys.executable, __file__, "--prepare"], env=env, cwd=ROOT, check=True, timeout=300
            )
            background = Events()
            total = int(RATE * SECONDS)
            requests = [background.new() for _ in range(total)]
            maker = SosMaker()
            idle = [maker.new() for _ in range(IDLE_COUNT)]
            loaded = [maker.new() for _ in range(SOS_COUNT)]
            with gunicorn(env, tmp, WEB_WORKERS) as (url, server), worker(env, tmp) as consumer:
                poller = Poller(database_url)
                poller.start()
                print(f"load average at start: {os.getloadavg()}")
                run_load(url, [], idle, poller, seconds=max(5.0, 1.5 * IDLE_COUNT))
                poller.wait_empty(GIVE_UP_S)
                pids = [*worker_pids(server.pid), consumer.pid]
                cpu_before = cpu_seconds(pids)
                load = run_load(url, requests, loaded, poller, seconds=SECONDS)
                poller.wait_empty(GIVE_UP_S)
                cpu = cpu_seconds(pids) - cpu_before
                poller.stop.set()
                load_after = os.getloadavg()
                stored, drained_after = drain(database_url)
            print(
                f"\nbackground: {load.sent:,} webhooks sent in {load.elapsed:.1f} s, {load.acknowledged:,} "
                f"acknowledged ({load.acknowledged / load.elapsed:.0f}/s achieved, target {RATE:.0f}/s), "
                f"{load.failed} failed; ack p50 {quantile(load.ack_ms, 50):.0f} ms, "
                f"p99 {quantile(load.ack_ms, 99):.0f} ms"
            )
            print(f"server + worker CPU during the loaded run: {cpu:.1f} s ({cpu / load.elapsed:.2f} cores)")
            expected = load.acknowledged + len(loaded) + len(idle)
            print(
                f"stored events: {stored:,} (acknowledged {expected:,}: "
                f"{'equal' if stored == expected else 'NOT equal'}); the backlog was all applied "
                + (
                    f"{drained_after:.0f} s after the SOS were on top"
                    if drained_after is not None
                    else "NOT in time"
                )
            )
            print(f"\n{'SOS webhook → top of inbox':28}")
            _b50, b99 = describe("baseline: no other traffic", idle)
            _p50, p99 = describe(f"under {load.acknowledged / load.elapsed:.0f}/s", loaded)
            print(f"ratio p99 loaded / baseline: {p99 / b99:.1f}")
            print(f"load average after: {load_after}")
            met = (
                p99 < TARGET_P99_S
                and load.acknowledged / load.elapsed >= 0.95 * RATE
                and stored == expected
                and drained_after is not None
            )
            print(f"\ntarget (p99 < {TARGET_P99_S:.0f} s at {RATE:.0f}/s): {'met' if met else 'NOT met'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--prepare"]:
        prepare_here()
    else:
        main()
