"""A flood night on one machine: where does it break? Locust on loopback, rising rates, SQLite and
PostgreSQL + Redis.

The mix, per 20 requests: 10 Zalo webhooks (new people writing in, signed as the emulator signs), 3 inbox
lists, 3 conversations opened and 1 answered (the reply goes out to Zalo inside the request) by signed-in
officers, and 3 public petition tracking pages (``/track/<reference>/``) — while a worker sends a ZNS
alert to 3,000 residents in the background, and processes every webhook. Each rate step runs the mix,
then ``GET /healthz`` alone at the same rate: the baseline, measured in the same run.

The knee is the highest rate whose p99 stays under 500 ms with under 1 % errors. Stepping stops at the
first step past it.

Set-up per database: a fresh database (SQLite file; or ``caunoi_bench_load`` on the PostgreSQL at
BENCH_LOAD_POSTGRES, created and dropped here, never restarted), migrated, Tuyên Quang's units, staff,
100 petitions, the OA connected through the emulator's consent step. Processes, all stopped in ``finally``:
``caunoi zalo-emulator``, gunicorn as ``caunoi serve`` runs it (4 processes: two per core), ``caunoi worker``
(2 threads), and for PostgreSQL a ``redis-server`` of our own on a free port (never the shared one).
Static files are collected once (``collectstatic`` compresses 34 MB: about 30 s).

Settings: BENCH_LOAD_RATES (requests/s, default "5,10,20,40,60,80,110,150"), BENCH_LOAD_STEP_SECONDS (12),
BENCH_LOAD_DATABASES ("sqlite,postgresql"), BENCH_LOAD_POSTGRES
(postgres://postgres@127.0.0.1:5432/caunoi_bench_load), BENCH_LOAD_WEB_WORKERS (4).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webhook_ingest import postgres_database  # noqa: E402  (bench/ is on sys.path as this script's folder)

RATES = [int(r) for r in os.environ.get("BENCH_LOAD_RATES", "5,10,20,40,60,80,110,150").split(",")]
STEP_SECONDS = float(os.environ.get("BENCH_LOAD_STEP_SECONDS", "12"))
WARM_SECONDS = 3.0
DATABASES = os.environ.get("BENCH_LOAD_DATABASES", "sqlite,postgresql").split(",")
POSTGRES_URL = os.environ.get("BENCH_LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432/caunoi_bench_load")
WEB_WORKERS = int(os.environ.get("BENCH_LOAD_WEB_WORKERS", "4"))
P99_LIMIT_MS, ERROR_LIMIT = 500.0, 0.01
CAMPAIGN_AUDIENCE, PETITIONS = 3000, 100
BIN = Path(sys.executable).parent
PASSWORD = "bench-Flood-2026-x"  # throwaway accounts in a throwaway database


# Set-up, in a child process with Django (one database per child) -----------------------------------


def prepare_here(emulator_url: str) -> None:
    """Migrate and seed; print the officers' session cookies and the petition references as JSON."""
    import datetime as dt

    import django
    import httpx

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from caunoi.accounts.models import RoleAssignment, User
    from caunoi.campaigns import services as campaigns
    from caunoi.channels.models import ZnsTemplateRecord
    from caunoi.channels.services import zalo_account_connect, zalo_authorization_start
    from caunoi.citizens.models import Citizen, Consent, ConsentPurpose, ConsentSource
    from caunoi.core.permissions import Role
    from caunoi.core.text import fold
    from caunoi.geo.models import Unit
    from caunoi.geo.services import units_load
    from caunoi.inbox.models import Category, Petition

    call_command("migrate", verbosity=0)
    units_load(province_code="08")
    province, commune = Unit.objects.get(code="08"), Unit.objects.get(code="00694")

    def staff(name: str, role: str, unit: Unit) -> User:
        user = User.objects.create_user(username=name, password=PASSWORD, full_name=name.title())
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
        return user

    editor, approver = (
        staff("dem.bientap", Role.EDITOR, province),
        staff("dem.pheduyet", Role.APPROVER, province),
    )
    sessions = []
    for n in range(4):  # province officers on duty (2FA passed, as a confirmed authenticator leaves it)
        officer = staff(f"dem.canbo{n}", Role.PROVINCE_ADMIN, province)
        client = Client()
        client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
        device = TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        sessions.append(session.session_key)

    start = zalo_authorization_start(redirect_uri="http://127.0.0.1/channels/zalo/callback/")
    consent = httpx.URL(start.url)
    back = httpx.post(f"{emulator_url}/v4/oa/permission", data=dict(consent.params)).headers["location"]
    account = zalo_account_connect(
        unit=province,
        query=dict(httpx.URL(back).params),
        expected_state=start.state,
        code_verifier=start.code_verifier,
        actor=None,
    )

    now = timezone.now()
    people = Citizen.objects.bulk_create(
        Citizen(
            display_name=f"Người dân {i}",
            name_folded=f"nguoi dan {i}",
            phone=f"8491{i:07d}",
            home_unit=commune,
            last_activity_at=now,
        )
        for i in range(CAMPAIGN_AUDIENCE)
    )
    Consent.objects.bulk_create(
        Consent(
            citizen=c,
            purpose=ConsentPurpose.NEWS,
            wording="Nhận thông báo",
            wording_version="bench",
            source=ConsentSource.IN_PERSON,
            granted_at=now,
        )
        for c in people
    )
    category = Category.objects.order_by("pk").first()
    references = [f"TQ-2026-{i + 1:06d}" for i in range(PETITIONS)]
    Petition.objects.bulk_create(
        Petition(
            reference=ref,
            kind="feedback",
            status="in_progress",
            source="zalo",
            title="Đường vào thôn bị sạt lở sau mưa lớn",
            text="Đường vào thôn bị sạt lở sau mưa lớn, xe máy không đi qua được.",
            text_folded=fold("Đường vào thôn bị sạt lở sau mưa lớn, xe máy không đi qua được."),
            category=category,
            citizen=people[i],
            commune=commune,
            unit=commune,
            received_at=now - dt.timedelta(hours=i),
            due_at=now + dt.timedelta(days=14),
        )
        for i, ref in enumerate(references)
    )
    ZnsTemplateRecord.objects.create(
        account=account,
        template_id="410003",
        name="Cảnh báo thiên tai",
        params={"area": 80, "hazard": 50, "instruction": 200},
        price_vnd=440,
        purpose="news",
        synced_at=now,
    )
    campaign = campaigns.campaign_create(
        unit=province,
        title="Cảnh báo lũ quét đêm nay",
        body="Mưa lớn, nguy cơ lũ quét và sạt lở. Di chuyển lên nơi cao, theo dõi loa phường.",
        channels=["zns"],
        target_units=[commune],
        actor=editor,
        zns_template_id="410003",
        zns_params={"area": "Phường Hà Giang 1", "hazard": "lũ quét", "instruction": "Lên nhà văn hoá"},
    )
    campaigns.campaign_submit(campaign=campaign, actor=editor)
    campaigns.campaign_approve(campaign=campaign, actor=approver)
    campaigns.campaign_launch(campaign=campaign, actor=editor)  # queued: the worker sends once it starts
    print(
        json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "sessions": sessions, "references": references})
    )


# The load, in a child process of its own: Locust patches the standard library with gevent ------------


def locust_here(url: str, seed_file: str) -> None:
    import random

    from locust import HttpUser, constant_throughput, task
    from locust.env import Environment  # importing locust made time.sleep cooperative (gevent)

    from caunoi.channels.zalo.emulator.config import EmulatorConfig
    from caunoi.channels.zalo.emulator.events import user_event
    from caunoi.channels.zalo.emulator.population import PersonMaker
    from caunoi.channels.zalo.emulator.texts import citizen_message
    from caunoi.channels.zalo.emulator.webhooks import signature
    from caunoi.channels.zalo.emulator.wire import dumps

    seed = json.loads(Path(seed_file).read_text())
    zalo = EmulatorConfig(followers=0, seed=21)
    rng = random.Random(3)
    maker = PersonMaker(zalo, rng)
    people = [
        maker.person(now=time.time(), following=True, last_interaction=time.time()) for _ in range(2000)
    ]
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    conversation_link = re.compile(r'href="/inbox/c/(\d+)/"')

    class FloodNight(HttpUser):
        wait_time = constant_throughput(1)
        host = url

        def on_start(self) -> None:
            self.client.cookies.set(seed["cookie"], rng.choice(seed["sessions"]))
            self.conversations: list[str] = []

        @task(10)
        def webhook(self) -> None:
            person = rng.choice(people)
            _topic, text = citizen_message(rng, place=person.village, commune="")
            event = user_event(
                zalo, person, "user_send_text", {"msg_id": secrets.token_hex(10), "text": text}, time.time()
            )
            body = dumps(event)
            mac = signature(zalo.signature_id, body, event["timestamp"], zalo.webhook_signing_secret)
            headers = {"Content-Type": "application/json", "X-ZEvent-Signature": mac}
            self.client.post("/webhooks/zalo", data=body, headers=headers, name="webhook")

        @task(3)
        def inbox(self) -> None:
            page = self.client.get("/inbox/", name="inbox list")
            found = conversation_link.findall(page.text)
            if found:
                self.conversations = found

        @task(3)
        def conversation(self) -> None:
            if not self.conversations:
                return self.inbox()
            self.client.get(f"/inbox/c/{rng.choice(self.conversations)}/", name="conversation")

        @task(1)
        def answer(self) -> None:
            if not self.conversations:
                return self.inbox()
            pk = rng.choice(self.conversations)
            page = self.client.get(f"/inbox/c/{pk}/", name="conversation")
            token = csrf.search(page.text)
            if token is None:
                return
            with self.client.post(
                f"/inbox/c/{pk}/reply/",
                data={
                    "text": "Xã đã nhận thông tin, cán bộ đang đến kiểm tra.",
                    "csrfmiddlewaretoken": token[1],
                },
                headers={"Referer": f"{url}/inbox/c/{pk}/"},
                allow_redirects=False,
                name="answer",
                catch_response=True,
            ) as answered:
                if answered.status_code != 302:
                    answered.failure(f"HTTP {answered.status_code}")

        @task(3)
        def track(self) -> None:
            self.client.get(f"/track/{rng.choice(seed['references'])}/", name="tracking page")

    class Baseline(HttpUser):
        wait_time = constant_throughput(1)
        host = url

        @task
        def health(self) -> None:
            self.client.get("/healthz", name="healthz")

    def step(user: type[HttpUser], rate: int) -> dict[str, Any]:
        env = Environment(user_classes=[user])
        runner = env.create_local_runner()
        runner.start(rate, spawn_rate=rate * 2)
        time.sleep(WARM_SECONDS)
        env.stats.reset_all()
        time.sleep(STEP_SECONDS)
        total = env.stats.total
        out = {
            "rps": total.num_requests / STEP_SECONDS,
            "p50": total.get_response_time_percentile(0.5) or 0.0,
            "p99": total.get_response_time_percentile(0.99) or 0.0,
            "errors": total.num_failures / max(1, total.num_requests),
            "by_name": {
                name: round(entry.get_response_time_percentile(0.99) or 0.0)
                for (name, _method), entry in env.stats.entries.items()
            },
            "load": os.getloadavg()[0],
        }
        runner.quit()
        return out

    for rate in RATES:
        mix = step(FloodNight, rate)
        base = step(Baseline, rate)
        print(json.dumps({"rate": rate, "mix": mix, "healthz": base}), flush=True)
        if mix["p99"] >= P99_LIMIT_MS or mix["errors"] >= ERROR_LIMIT:
            break


# Processes -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # gunicorn, Huey, the emulator and Redis stop on SIGINT
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started
                proc.wait(timeout=5)


def wait_http(url: str, what: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{what} did not start:\n{log.read_text(errors='replace')[-2000:]}"
                ) from None
            time.sleep(0.2)


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed: the PostgreSQL + Redis run needs it")
    port = free_port()
    argv = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with process(argv, {}, tmp / "redis.log"):
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"


def base_env(tmp: Path, database_url: str, emulator_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CAUNOI_", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.update(
        {
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "DATABASE_URL": database_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CAUNOI_DEMO": "0",
            "CAUNOI_DEBUG": "0",
            "CAUNOI_SSL_REDIRECT": "0",
            "CAUNOI_SECURE_COOKIES": "0",
            "CAUNOI_VAR_DIR": str(tmp),
            "CAUNOI_HUEY_NAME": f"bench-load-{secrets.token_hex(4)}",
            "CAUNOI_ZALO_APP_ID": "4100820250701000001",
            "CAUNOI_ZALO_APP_SECRET": "emulator-app-secret-not-for-production",
            "CAUNOI_ZALO_OA_SECRET_KEY": "emulator-oa-secret-not-for-production",
            "CAUNOI_ZALO_WEBHOOK_SIGNER": "oa",
            "CAUNOI_ZALO_OAUTH_URL": emulator_url,
            "CAUNOI_ZALO_API_URL": emulator_url,
            "CAUNOI_ZALO_ZNS_URL": emulator_url,
            "CAUNOI_CAMPAIGN_RATE_ZNS": "20",  # the alert keeps sending through the whole run
            "DJANGO_SETTINGS_MODULE": "caunoi.settings",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def bench_database(label: str, database_url: str, tmp: Path, redis_url: str = "") -> list[dict[str, Any]]:
    emulator_port, web_port = free_port(), free_port()
    emulator_url, url = f"http://127.0.0.1:{emulator_port}", f"http://127.0.0.1:{web_port}"
    env = base_env(tmp, database_url, emulator_url)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env["CAUNOI_HUEY_FILE"] = str(tmp / f"huey-{label}.sqlite3")
    emulator_argv = [str(BIN / "caunoi"), "zalo-emulator", "--port", str(emulator_port), "--followers", "20"]
    emulator_argv += ["--time-factor", "1000"]
    web_argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "caunoi.wsgi:application",
        "--bind",
        f"127.0.0.1:{web_port}",
    ]
    web_argv += ["--workers", str(WEB_WORKERS), "--no-control-socket", "--graceful-timeout", "10"]
    started = time.monotonic()
    with process(emulator_argv, env, tmp / f"emulator-{label}.log") as emulator:
        wait_http(f"{emulator_url}/_admin/state", "the emulator", emulator, tmp / f"emulator-{label}.log")
        import httpx

        # The emulator's ZNS quota is a day's 500, as for a new OA; a province's OA has raised it.
        httpx.post(
            f"{emulator_url}/_admin/faults", json={"zns_quota": 100_000}, timeout=10
        ).raise_for_status()
        seeded = subprocess.run(
            [sys.executable, __file__, "--prepare", emulator_url],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if seeded.returncode != 0:
            raise SystemExit(f"set-up failed:\n{seeded.stderr[-3000:]}")
        seed_file = tmp / f"seed-{label}.json"
        seed_file.write_text(seeded.stdout.strip().splitlines()[-1])
        print(f"  set up in {time.monotonic() - started:.0f} s")
        web_log, worker_log = tmp / f"web-{label}.log", tmp / f"worker-{label}.log"
        worker_argv = [str(BIN / "caunoi"), "worker", "--workers", "2"]
        with process(web_argv, env, web_log) as web, process(worker_argv, env, worker_log):
            wait_http(f"{url}/healthz", "gunicorn", web, web_log)
            results = []
            load = subprocess.Popen(
                [sys.executable, __file__, "--locust", url, str(seed_file)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=(tmp / f"locust-{label}.log").open("wb"),
                text=True,
            )
            assert load.stdout is not None
            for line in load.stdout:
                step = json.loads(line)
                results.append(step)
                print_step(step)
            if load.wait() != 0:
                raise SystemExit(f"locust failed:\n{(tmp / f'locust-{label}.log').read_text()[-3000:]}")
            sent = httpx_json(f"{emulator_url}/_admin/messages?limit=0")
            twice = sum(1 for n in sent["per_recipient"].values() if n > 1)
            print(f"  meanwhile the worker sent {sent['total']} ZNS alerts ({twice} recipients twice)")
    return results


def httpx_json(url: str) -> Any:
    import httpx

    return httpx.get(url, timeout=10).json()


def print_step(step: dict[str, Any]) -> None:
    mix, base = step["mix"], step["healthz"]
    slowest = max(mix["by_name"].items(), key=lambda kv: kv[1], default=("-", 0))
    print(
        f"  {step['rate']:>4} req/s offered | mix {mix['rps']:6.1f} req/s p50 {mix['p50']:5.0f} ms "
        f"p99 {mix['p99']:6.0f} ms err {mix['errors']:5.1%} (slowest p99: {slowest[0]} {slowest[1]} ms) | "
        f"healthz {base['rps']:6.1f} req/s p99 {base['p99']:5.0f} ms | load {mix['load']:.2f}"
    )


def knee(results: list[dict[str, Any]], key: str) -> float:
    good = [r[key]["rps"] for r in results if r[key]["p99"] < P99_LIMIT_MS and r[key]["errors"] < ERROR_LIMIT]
    return max(good, default=0.0)


def main() -> None:
    print(f"flood night on loopback: {os.cpu_count()} cores, load average {os.getloadavg()}")
    tmp = Path(tempfile.mkdtemp(prefix="caunoi-bench-load-"))
    try:
        collect = base_env(tmp, f"sqlite:///{tmp / 'collect.sqlite3'}", "http://127.0.0.1:9")
        subprocess.run(
            [str(BIN / "caunoi"), "manage", "collectstatic", "--noinput", "-v0"], env=collect, check=True
        )
        summary = []
        for database in DATABASES:
            print(f"== {database}")
            if database == "sqlite":
                results = bench_database("sqlite", f"sqlite:///{tmp / 'load.sqlite3'}", tmp)
                summary.append(("SQLite (SQLite queue)", results))
            else:
                with postgres_database(POSTGRES_URL) as url, redis_server(tmp) as redis_url:
                    results = bench_database("postgresql", url, tmp, redis_url)
                summary.append(("PostgreSQL + Redis", results))
        print(f"knee (highest rate with p99 < {P99_LIMIT_MS:.0f} ms and < {ERROR_LIMIT:.0%} errors):")
        for name, results in summary:
            mix, base = knee(results, "mix"), knee(results, "healthz")
            held = all(knee([r], "healthz") for r in results)  # /healthz never broke at the rates tried
            ratio = mix / base if base else 0.0
            baseline = f">= {base:.1f} (held every rate tried)" if held else f"{base:.1f}"
            ratio_text = f"<= {ratio:.2f}" if held else f"{ratio:.2f}"
            print(
                f"  {name:<24} mix {mix:6.1f} req/s; GET /healthz alone {baseline} req/s; ratio {ratio_text}"
            )
        print(f"load average at the end {os.getloadavg()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--prepare":
        prepare_here(sys.argv[2])
    elif len(sys.argv) > 3 and sys.argv[1] == "--locust":
        locust_here(sys.argv[2], sys.argv[3])
    else:
        main()
