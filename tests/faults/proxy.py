"""A hostile network between us and Zalo: it passes each send on to the emulator (so Zalo *took* it), then
sometimes loses the answer (the connection drops, as after a read timeout) or answers 200 with garbage.

The emulator's own faults (``/_admin/faults``) act *before* a call is handled, so the message is never
taken; this is the other half — the case where resending would reach the citizen twice.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

GARBAGE = b"<html><head><title>504</title></head><body>upstream took too long</body>"  # cut off, 200


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        upstream = self.server.client.request(
            self.command, self.server.upstream + self.path, content=body, headers=headers
        )
        fate = self.server.fate(self.command)
        if fate == "lose":
            self.close_connection = True  # taken upstream, and no answer ever comes back
            return
        status, payload = (200, GARBAGE) if fate == "garbage" else (upstream.status_code, upstream.content)
        self.send_response(status)
        content_type = "text/html" if fate == "garbage" else upstream.headers.get("content-type", "")
        self.send_header("Content-Type", content_type)
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remain"):
            if name in upstream.headers and fate != "garbage":
                self.send_header(name, upstream.headers[name])
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _relay


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, upstream: str, lose: float, garbage: float, seed: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream.rstrip("/")
        self.lose, self.garbage = lose, garbage
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.client = httpx.Client(timeout=30)

    def fate(self, method: str) -> str:
        """Only sends (POST) are spoiled; reads pass, so the OA's own checks keep working."""
        with self.lock:
            roll = self.rng.random()
            fate = "relay"
            if method == "POST" and roll < self.lose:
                fate = "lose"
            elif method == "POST" and roll < self.lose + self.garbage:
                fate = "garbage"
            self.counts[fate] += 1
            return fate


class HostileProxy:
    def __init__(self, upstream: str, *, lose: float, garbage: float, seed: int = 7) -> None:
        self.server = _Server(upstream, lose, garbage, seed)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def counts(self) -> Counter[str]:
        with self.server.lock:
            return Counter(self.server.counts)

    def start(self) -> HostileProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.server.client.close()
