"""Real processes for the fault tests: the web server, the worker and the emulator, each in its own process
group so that ``kill -9`` reaches gunicorn's workers too, as a crash of the machine's service would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.core.test_worker import CAUNOI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """One service of ours, started, killed with SIGKILL and restarted with the same command line."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log.open("a") as out:
            out.write(f"--- start {self.name}\n")
            out.flush()
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL to the whole group: no handler runs, no request or task is finished."""
        assert self.process is not None and self.running, f"{self.name} is not running"
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn and Huey both stop cleanly on SIGINT
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):  # gunicorn's workers, orphaned, must not outlive us
            os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def web(port: int, env: dict[str, str], log: Path, *, workers: int = 2) -> Proc:
    """``caunoi serve`` in debug mode: outside it every start first runs ``collectstatic``, which compresses
    34 MB of static files (about 30 s of CPU here) — a restart test would time that, not the crash."""
    argv = [CAUNOI, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    return Proc("web", argv, {**env, "CAUNOI_DEBUG": "1"}, log)


def worker(env: dict[str, str], log: Path, *, threads: int = 2) -> Proc:
    return Proc("worker", [CAUNOI, "worker", "--workers", str(threads)], env, log)


def wait(check: Callable[[], Any], what: str, *, procs: tuple[Proc, ...] = (), timeout: float = 60) -> Any:
    """Poll ``check`` until it is truthy; on timeout fail with the logs of ``procs``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    logs = "\n".join(f"== {p.name}\n{p.tail()}" for p in procs)
    pytest.fail(f"{what} within {timeout} s\n{logs}")


def health(base_url: str) -> tuple[int, dict[str, Any]] | None:
    """``/healthz`` as a monitor sees it: (status, body), or None when nothing answers."""
    try:
        response = httpx.get(f"{base_url}/healthz", timeout=5)
    except httpx.TransportError:
        return None
    return response.status_code, response.json()


def green(base_url: str) -> bool:
    """``/healthz`` answers 200: database, queue and worker all well."""
    answer = health(base_url)
    return answer is not None and answer[0] == 200
