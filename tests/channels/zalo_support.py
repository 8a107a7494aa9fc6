"""What the Zalo adapter tests share: the real emulator on port 0 with a fake clock, and a webhook receiver.

Plain helpers, not fixtures, so each test module declares the few fixtures it needs.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from caunoi.channels.zalo.emulator import EmulatorConfig, ZaloEmulator


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.contextmanager
def running_emulator(clock: FakeClock, **settings: Any) -> Iterator[ZaloEmulator]:
    """Few followers and a large time factor, so webhook retries and receipts arrive in milliseconds."""
    settings.setdefault("followers", 30)
    settings.setdefault("seed", 7)
    settings.setdefault("time_factor", 10_000)
    emulator = ZaloEmulator(EmulatorConfig(**settings), clock=clock).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def admin_token(emulator: ZaloEmulator) -> str:
    """A token pair without the consent flow, as Zalo's API Explorer hands one out."""
    return str(httpx.post(f"{emulator.url}/_admin/tokens").json()["access_token"])


def add_follower(emulator: ZaloEmulator, hours_ago: float | None, **extra: Any) -> str:
    body = {"last_interaction_hours_ago": hours_ago, **extra}
    response = httpx.post(f"{emulator.url}/_admin/followers", json=body)
    response.raise_for_status()
    return str(response.json()["user_id"])


def admin(emulator: ZaloEmulator, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{emulator.url}/_admin/{path}", timeout=5, **kwargs)
    response.raise_for_status()
    return response.json()


class Receiver:
    """Stands in for ``POST /webhooks/zalo``: records raw bodies and headers, answers ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.cond = threading.Condition()
        self.url = ""

    def record(self, headers: dict[str, str], body: bytes) -> int:
        with self.cond:
            self.requests.append((headers, body))
            self.cond.notify_all()
            return self.status

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.requests) >= count, timeout)

    def named(self, name: str) -> list[tuple[dict[str, str], bytes]]:
        with self.cond:
            return [(h, b) for h, b in self.requests if json.loads(b).get("event_name") == name]


@contextlib.contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = receiver.record(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/zalo"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
