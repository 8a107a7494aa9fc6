"""Campaign dispatch: deliveries per second through the real engine, two sender workers, the Zalo emulator.

Three figures, each with a baseline measured in the same run:
- **raised limit**: an announcement to every reachable follower with the emulator's limit raised and
  our bucket wide open; baseline: the same number of raw ``ZaloClient.send_text`` calls from 8 threads
  in this process (the emulator's own capacity with nothing of ours). Target ≥ 1,000/s.
- **configured rate**: a second announcement with ``CAUNOI_CAMPAIGN_RATE_ZALO`` lowered; the rate
  sustained between the first and the last hand-off must be within ±5 % of it.
- **emergency** (``campaigns_dispatch.py emergency``): a pre-approved alert to BENCH_ALERT_N followers,
  release → last hand-off, with p50/p95 of each message's wait; baseline: N / raw rate.

Workers are two ``caunoi worker --workers 1`` processes on PostgreSQL (BENCH_DATABASE_URL, default a
``caunoi_bench_campaigns`` database on 127.0.0.1, dropped and created afresh). Every run checks the
emulator's log: each follower received the message once.

Settings: BENCH_DISPATCH_N (default 5000), BENCH_SLOW_RATE (200), BENCH_SLOW_N (3000), BENCH_ALERT_N
(100000 for ``emergency``).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="caunoi-bench-dispatch-")
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caunoi_bench_campaigns")
N = int(os.environ.get("BENCH_DISPATCH_N", "5000"))
SLOW_RATE = float(os.environ.get("BENCH_SLOW_RATE", "200"))
SLOW_N = int(os.environ.get("BENCH_SLOW_N", "3000"))
ALERT_N = int(os.environ.get("BENCH_ALERT_N", "100000"))
MODE = sys.argv[1] if len(sys.argv) > 1 else "dispatch"
EMULATOR_PORT = 18931 + os.getpid() % 1000
EMULATOR = f"http://127.0.0.1:{EMULATOR_PORT}"

ENV = {
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
    "CAUNOI_VAR_DIR": TMP,
    "CAUNOI_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "testserver",
    "DATABASE_URL": DB_URL,
    "CAUNOI_HUEY_FILE": f"{TMP}/huey.sqlite3",
    "CAUNOI_HUEY_NAME": "bench-dispatch",
    "CAUNOI_ZALO_APP_ID": "4100820250701000001",
    "CAUNOI_ZALO_APP_SECRET": "emulator-app-secret-not-for-production",
    "CAUNOI_ZALO_OA_SECRET_KEY": "emulator-oa-secret-not-for-production",
    "CAUNOI_ZALO_OAUTH_URL": EMULATOR,
    "CAUNOI_ZALO_API_URL": EMULATOR,
    "CAUNOI_ZALO_ZNS_URL": EMULATOR,
    "CAUNOI_CAMPAIGN_RATE_ZALO": "100000",
    "CAUNOI_CAMPAIGN_BATCH": "400",
    "CAUNOI_CAMPAIGN_CHUNK": "80",
    "CAUNOI_CAMPAIGN_SEND_THREADS": "8",  # the default; 16 threads under one GIL sent less (765 vs 1,102/s)
}
# The engine's tunables may be overridden from the environment (e.g. CAUNOI_CAMPAIGN_SEND_THREADS=16).
TUNABLE = ("CAUNOI_CAMPAIGN_BATCH", "CAUNOI_CAMPAIGN_CHUNK", "CAUNOI_CAMPAIGN_SEND_THREADS")
os.environ.update({k: os.environ.get(k, v) if k in TUNABLE else v for k, v in ENV.items()})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caunoi.settings")


def fresh_database() -> None:
    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


fresh_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from caunoi.accounts.models import RoleAssignment, User  # noqa: E402
from caunoi.campaigns import services  # noqa: E402
from caunoi.campaigns.models import Campaign, CampaignState, Delivery  # noqa: E402
from caunoi.channels.base import ChannelKind  # noqa: E402
from caunoi.channels.models import ChannelIdentity, ZaloAccount  # noqa: E402
from caunoi.channels.services import zalo_access_token  # noqa: E402
from caunoi.channels.zalo.client import ZaloClient  # noqa: E402
from caunoi.citizens.models import Citizen, Consent  # noqa: E402
from caunoi.core.permissions import Role  # noqa: E402
from caunoi.geo.models import Unit  # noqa: E402
from caunoi.geo.services import units_load  # noqa: E402

REACHABLE_S = 7 * 24 * 3600 - 900


def start_emulator(followers: int, rate_per_minute: int) -> subprocess.Popen[bytes]:
    caunoi = str(Path(sys.executable).with_name("caunoi"))
    argv = [caunoi, "zalo-emulator", "--port", str(EMULATOR_PORT), "--followers", str(followers)]
    argv += ["--rate-limit-per-minute", str(rate_per_minute)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{EMULATOR}/_admin/state", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the emulator did not start")


def connect() -> ZaloAccount:
    from caunoi.channels.services import zalo_account_connect, zalo_authorization_start

    start = zalo_authorization_start(redirect_uri="http://testserver/channels/zalo/callback/")
    consent = httpx.URL(start.url)
    back = httpx.post(f"{EMULATOR}/v4/oa/permission", data=dict(consent.params)).headers["location"]
    return zalo_account_connect(
        unit=Unit.objects.get(code="08"),
        query=dict(httpx.URL(back).params),
        expected_state=start.state,
        code_verifier=start.code_verifier,
        actor=None,
    )


def audience(account: ZaloAccount, unit: Unit, wanted: int, skip: frozenset[str] = frozenset()) -> list[str]:
    """Citizens of ``unit`` for ``wanted`` reachable followers: phone-less, news consent, Zalo identity."""
    users: list[str] = []
    offset, now = 0, time.time()
    with httpx.Client(base_url=EMULATOR, timeout=60) as admin:
        while len(users) < wanted:
            page = admin.get("/_admin/followers", params={"offset": offset, "limit": 5000}).json()[
                "followers"
            ]
            if not page:
                break
            users += [
                f["user_id"]
                for f in page
                if now - f["last_interaction"] < REACHABLE_S and f["user_id"] not in skip
            ]
            offset += len(page)
    users = users[:wanted]
    stamp = timezone.now()
    people = Citizen.objects.bulk_create(
        [Citizen(home_unit=unit, last_activity_at=stamp, preferred_language="vi") for _ in users],
        batch_size=5000,
    )
    Consent.objects.bulk_create(
        [
            Consent(
                citizen=c,
                purpose="news",
                wording="x",
                wording_version="bench",
                source="zalo",
                granted_at=stamp,
            )
            for c in people
        ],
        batch_size=5000,
    )
    ChannelIdentity.objects.bulk_create(
        [
            ChannelIdentity(
                citizen=c,
                channel=ChannelKind.ZALO,
                account=account,
                external_id=uid,
                follows=True,
                last_interaction_at=stamp,
            )
            for c, uid in zip(people, users, strict=True)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk import; the planner needs it
    return users


def raw_rate(account: ZaloAccount, users: list[str], count: int) -> float:
    client = ZaloClient(zalo_access_token(account=account), base_url=EMULATOR, max_connections=8, timeout=10)
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        ok = sum(
            pool.map(lambda i: client.send_text(users[i % len(users)], f"baseline {i}").ok, range(count))
        )
    elapsed = time.perf_counter() - started
    client.close()
    httpx.delete(f"{EMULATOR}/_admin/messages")
    assert ok == count, f"baseline: {ok} of {count} accepted"
    return count / elapsed


def workers(rate: float) -> list[subprocess.Popen[bytes]]:
    """Two worker processes, returned once both have proved they are up (so start-up is not timed)."""
    from caunoi.core.models import WorkerHeartbeat

    caunoi = str(Path(sys.executable).with_name("caunoi"))
    env = {**os.environ, "CAUNOI_CAMPAIGN_RATE_ZALO": f"{rate:g}"}
    log = open(f"{TMP}/workers.log", "a")  # noqa: SIM115 - kept open for the processes' lifetime
    WorkerHeartbeat.objects.all().delete()
    started = [
        subprocess.Popen([caunoi, "worker", "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 180
    while not WorkerHeartbeat.objects.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers did not start; see {TMP}/workers.log")
        time.sleep(0.5)
    time.sleep(2.0)  # the second process boots alongside the first
    return started


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        p.terminate()
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def staff() -> tuple[User, User]:
    province = Unit.objects.get(code="08")
    editor, _ = User.objects.get_or_create(username="bench.editor", defaults={"full_name": "Bench Editor"})
    approver, _ = User.objects.get_or_create(
        username="bench.approver", defaults={"full_name": "Bench Approver"}
    )
    RoleAssignment.objects.get_or_create(user=editor, role=Role.PROVINCE_ADMIN, unit=province)
    RoleAssignment.objects.get_or_create(user=approver, role=Role.PROVINCE_ADMIN, unit=province)
    return editor, approver


def wait_done(campaign: Campaign, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        if campaign.state == CampaignState.COMPLETED:
            return
        time.sleep(0.25)
    raise SystemExit(f"campaign {campaign.pk} still {campaign.state}; see {TMP}/workers.log")


def handoffs(campaign: Campaign) -> list[Any]:
    return sorted(
        Delivery.objects.filter(campaign=campaign, sent_at__isnull=False).values_list("sent_at", flat=True)
    )


def check_once(expected: int) -> None:
    log = httpx.get(f"{EMULATOR}/_admin/messages", params={"limit": 0}, timeout=60).json()
    doubled = sum(1 for n in log["per_recipient"].values() if n > 1)
    if log["total"] != expected or doubled:
        raise SystemExit(
            f"emulator log: {log['total']} messages, {doubled} recipients twice; expected {expected}"
        )
    httpx.delete(f"{EMULATOR}/_admin/messages")


def announcement(editor: User, approver: User, unit: Unit, title: str) -> Campaign:
    campaign = services.campaign_create(
        unit=Unit.objects.get(code="08"),
        title=title,
        body="Bản tin tuần: lịch tiếp công dân và tiêm chủng.",
        channels=["zalo"],
        target_units=[unit],
        actor=editor,
    )
    services.campaign_submit(campaign=campaign, actor=editor)
    services.campaign_approve(campaign=campaign, actor=approver)
    return campaign


def line(name: str, value: float, baseline: float, unit: str) -> None:
    print(
        f"{name:<52} {value:10.1f} {unit:<6} baseline {baseline:10.1f} {unit:<6} "
        f"ratio {value / baseline:5.2f}x"
    )


def profile(campaign: Campaign, editor: User) -> None:
    """BENCH_PROFILE=1: one sender in this process under cProfile, to see where the time goes."""
    import cProfile
    import pstats

    from caunoi.campaigns import engine

    services.campaign_launch(campaign=campaign, actor=editor)
    services.campaign_start(campaign=Campaign.objects.get(pk=campaign.pk))
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(engine.dispatch, campaign.pk, budget_seconds=120)
    print(f"in-process sender: {len(handoffs(campaign)) / (time.perf_counter() - started):.0f} msg/s")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def dispatch_mode() -> None:
    emulator = start_emulator(followers=int((N + SLOW_N) * 1.6), rate_per_minute=10_000_000)
    try:
        call_command("migrate", verbosity=0)
        units_load(province_code="08")
        account = connect()
        editor, approver = staff()
        fast_unit, slow_unit = Unit.objects.get(code="00694"), Unit.objects.get(code="00691")
        fast = audience(account, fast_unit, N)
        print(f"recipients: {len(fast)} (raised limit), {SLOW_N} (rate {SLOW_RATE:g}/s); two sender workers")
        baseline = raw_rate(account, fast, min(len(fast), 3000))
        slow = audience(account, slow_unit, SLOW_N, skip=frozenset(fast))
        assert not set(fast) & set(slow)
        if os.environ.get("BENCH_PROFILE"):
            profile(announcement(editor, approver, fast_unit, "Bench: profile"), editor)
            return
        procs = workers(100_000)
        try:
            campaign = announcement(editor, approver, fast_unit, "Bench: raised limit")
            started = time.perf_counter()
            services.campaign_launch(campaign=campaign, actor=editor)
            wait_done(campaign, 600)
            total = time.perf_counter() - started
            times = handoffs(campaign)
            sustained = (len(times) - 1) / max((times[-1] - times[0]).total_seconds(), 1e-6)
            check_once(len(fast))
            line("dispatch, limit raised: sustained hand-offs/s", sustained, baseline, "msg/s")
            line("dispatch, limit raised: launch → completed", total, len(fast) / baseline, "s")
            dead_tuples()
        finally:
            stop(procs)
        procs = workers(SLOW_RATE)
        try:
            campaign = announcement(editor, approver, slow_unit, "Bench: configured rate")
            services.campaign_launch(campaign=campaign, actor=editor)
            wait_done(campaign, 600)
            times = handoffs(campaign)
            # Skip the first bucket's burst (a fifth of a second of tokens) at the start.
            skip = max(1, round(SLOW_RATE / 5))
            rate = (len(times) - 1 - skip) / (times[-1] - times[skip]).total_seconds()
            check_once(len(slow))
            line(f"dispatch, configured {SLOW_RATE:g}/s: sustained", rate, SLOW_RATE, "msg/s")
            deviation = abs(rate - SLOW_RATE) / SLOW_RATE
            print(f"{'':<52} deviation {deviation:.1%} ({'within' if deviation <= 0.05 else 'OUTSIDE'} ±5 %)")
        finally:
            stop(procs)
    finally:
        emulator.terminate()
        emulator.wait()
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def emergency_mode() -> None:
    emulator = start_emulator(followers=int(ALERT_N * 1.6), rate_per_minute=10_000_000)
    try:
        call_command("migrate", verbosity=0)
        units_load(province_code="08")
        account = connect()
        editor, approver = staff()
        unit = Unit.objects.get(code="00694")
        people = audience(account, unit, ALERT_N)
        baseline = raw_rate(account, people, min(len(people), 3000))
        template = services.alert_template_create(
            unit=Unit.objects.get(code="08"),
            name="Lũ quét",
            title="Cảnh báo lũ quét, sạt lở đất",
            body="Nguy cơ lũ quét trong 6 giờ tới. Di chuyển ngay đến nơi an toàn.",
            pre_approved=True,
            actor=approver,
        )
        alert = services.alert_create(template=template, units=[unit], actor=editor, channels=["zalo"])
        procs = workers(100_000)
        try:
            services.alert_release(campaign=alert, actor=editor)
            wait_done(alert, 1800)
        finally:
            stop(procs)
        alert.refresh_from_db()
        assert alert.released_at is not None
        times = handoffs(alert)
        waits = sorted((t - alert.released_at).total_seconds() for t in times)
        check_once(len(people))
        print(f"alert recipients: {len(people)}; two sender workers")
        line("emergency: release → last hand-off", waits[-1], len(people) / baseline, "s")
        print(f"{'emergency: release → first hand-off':<52} {waits[0]:10.1f} s")
        p50, p95 = statistics.median(waits), waits[int(len(waits) * 0.95) - 1]
        print(f"{'emergency: wait per message p50 / p95':<52} {p50:10.1f} s / {p95:.1f} s")
        rates = " ".join(f"{r:.0f}" for r in fifths(times))
        print(f"{'emergency: hand-offs/s by fifth of the run':<52} {rates}")
        dead_tuples()
    finally:
        emulator.terminate()
        emulator.wait()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def fifths(times: list[Any]) -> list[float]:
    """The hand-off rate in each fifth of the messages: flat if nothing slows down as the run goes on."""
    step = len(times) // 5
    rates = []
    for i in range(5):
        first, last = times[i * step], times[min((i + 1) * step, len(times) - 1)]
        rates.append(step / max((last - first).total_seconds(), 1e-6))
    return rates


def dead_tuples() -> None:
    """What the run left behind: updates that were HOT write no index entry and are pruned on the page."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_upd, n_tup_hot_upd, n_dead_tup FROM pg_stat_user_tables "
            "WHERE relname IN ('campaigns_delivery', 'core_ratelimitbucket', 'campaigns_deliverycount')"
        )
        for name, updated, hot, dead in cursor.fetchall():
            print(f"{'table ' + name:<52} {updated:>10} updates, {hot} HOT, {dead} dead tuples")


if __name__ == "__main__":
    emergency_mode() if MODE == "emergency" else dispatch_mode()
