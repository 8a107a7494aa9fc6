"""PostgreSQL restarted (an immediate stop: a crash, then WAL recovery) while Zalo's webhooks arrive.

Never the shared server on 5432: the test makes its own throwaway cluster (initdb in a temporary folder,
another port), migrates a database there and runs ``caunoi serve`` and ``caunoi worker`` on it. Skipped,
saying why, where PostgreSQL's server binaries are missing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator
from tests.core.test_worker import CAUNOI
from tests.faults import procs
from tests.faults.conftest import zalo_env
from tests.faults.test_redis_down import SWEEP

pytestmark = [pytest.mark.fault, pytest.mark.worker]

BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
EVENTS = 200


class Cluster:
    """A PostgreSQL cluster of our own, run as ``postgres`` when we are root (initdb refuses root)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.bin = Path(BINS[-1]).parent
        self.data, self.port, self.log = folder / "data", port, folder / "postgres.log"
        self.folder = folder

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{argv[0]}: {done.stderr}{done.stdout}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    def start(self) -> None:
        # fsync off: the fault is a crash of PostgreSQL's processes, not of the machine's page cache
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, db: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def scalar(self, sql: str) -> Any:
        with psycopg.connect(self.url("caunoi"), autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
            return row[0] if row else None


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not BINS:
        pytest.skip("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="caunoi-fault-pg-"))  # pytest's own folders are closed to postgres
    pg = Cluster(folder, procs.free_port())
    pg.init()
    pg.start()
    try:
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE caunoi")
        yield pg
    finally:
        with contextlib.suppress(AssertionError):  # already down: the test failed while it was stopped
            pg.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def test_postgres_restarted_during_webhooks_loses_nothing_acknowledged_and_recovers(
    cluster: Cluster, tmp_path
):
    web_port = procs.free_port()
    emulator = ZaloEmulator(
        EmulatorConfig(
            followers=60, seed=9, webhook_url=f"http://127.0.0.1:{web_port}/webhooks/zalo", time_factor=200
        )
    ).start()
    env = {
        **os.environ,
        **zalo_env(emulator.url),
        "DATABASE_URL": cluster.url("caunoi"),
        "CAUNOI_HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "CAUNOI_HUEY_NAME": f"fault-pg-{web_port}",
    }
    env.pop("REDIS_URL", None)
    migrate = subprocess.run([CAUNOI, "manage", "migrate", "-v0"], env=env, capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr
    web = procs.web(web_port, env, tmp_path / "web.log")
    worker = procs.worker(env, tmp_path / "worker.log")
    base = f"http://127.0.0.1:{web_port}"
    try:
        web.start()
        worker.start()
        procs.wait(lambda: procs.green(base), "/healthz green", procs=(web, worker), timeout=60)

        import httpx

        httpx.post(
            f"{emulator.url}/_admin/drive",
            json={"events": EVENTS, "rate_per_second": 50, "kinds": {"user_send_text": 1}},
            timeout=10,
        ).raise_for_status()
        procs.wait(
            lambda: cluster.scalar("SELECT count(*) FROM channels_webhookevent") >= 40,
            "webhooks stored",
            procs=(web,),
        )
        cluster.stop("immediate")  # as a crash: no checkpoint, recovery from the WAL on start
        status, body = procs.health(base) or (0, {})
        assert status == 503 and body["checks"]["database"]["ok"] is False, body
        assert body["checks"]["worker"] == {"ok": False, "error": "database unavailable"}
        cluster.start()
        procs.wait(lambda: procs.green(base), "/healthz green again", procs=(web, worker))

        def settled() -> bool:
            stats = emulator.state.webhooks.stats()
            return stats["counts"].get("queued", 0) >= EVENTS and stats["pending"] == 0

        procs.wait(settled, "Zalo's retries settled", procs=(web,), timeout=60)
        counts = emulator.state.webhooks.stats()["counts"]
        assert counts.get("failed_attempts", 0) > 0, "no delivery failed: the restart did not bite"
        assert counts.get("dropped", 0) == 0 and counts["delivered"] == EVENTS, counts
        assert cluster.scalar("SELECT count(*) FROM channels_webhookevent") == EVENTS

        # Tasks that died with a connection are re-queued by the sweep, as the five-minute job would.
        sweep = subprocess.run(
            [CAUNOI, "manage", "shell", "-c", SWEEP], env=env, capture_output=True, text=True
        )
        assert sweep.returncode == 0, sweep.stderr
        procs.wait(
            lambda: (
                cluster.scalar("SELECT count(*) FROM channels_webhookevent WHERE processed_at IS NULL") == 0
            ),
            "every stored event processed",
            procs=(worker,),
        )
        assert cluster.scalar("SELECT max(attempts) FROM channels_webhookevent") == 1
        # The OA is not connected on this database, so each event is kept with that reason, not applied.
        assert cluster.scalar("SELECT count(DISTINCT error) FROM channels_webhookevent") == 1
        status, body = procs.health(base) or (0, {})
        assert status == 200 and body["status"] == "ok", body
    finally:
        web.stop()
        worker.stop()
        emulator.stop()
