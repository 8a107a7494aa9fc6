"""The HTTP side: one standard-library server playing Zalo's OAuth host, OA API host and ZNS host.

The paths of the three hosts do not collide (``/v4/oa/…``, ``/v2.0|v3.0/oa/…``, ``/message/…`` and
``/template/…``), so a client points all three base URLs at this one port. HTTP/1.1 keep-alive, one
buffered write per reply and no Nagle delay let one pooled client push hundreds of calls a second.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from caunoi.channels.zalo.emulator import driver, oauth, openapi, zns
from caunoi.channels.zalo.emulator.admin import Admin
from caunoi.channels.zalo.emulator.codes import ZaloError, success
from caunoi.channels.zalo.emulator.config import EmulatorConfig
from caunoi.channels.zalo.emulator.media import expired_reply, media_reply, sent_media_id, unavailable_reply
from caunoi.channels.zalo.emulator.population import province_places
from caunoi.channels.zalo.emulator.state import Clock, Drive, EmulatorState
from caunoi.channels.zalo.emulator.wire import Call, Reply, json_reply

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024
_OAUTH_ROUTES = {
    ("GET", oauth.PERMISSION_PATH): oauth.permission_page,
    ("POST", oauth.PERMISSION_PATH): oauth.permission_allow,
    ("POST", oauth.EXCHANGE_PATH): oauth.access_token,
}
_KNOWN_PATHS = {path for _, path in [*_OAUTH_ROUTES, *openapi.ROUTES, *zns.ROUTES]}
_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


class ZaloEmulator:
    """Binds at construction (so ``url`` is known at once); ``start()`` serves from a background thread."""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Clock = time.time) -> None:
        self.config = config = config or EmulatorConfig()
        if config.province and not province_places(config.province):
            raise ValueError(f"unknown province code {config.province}")
        self.state = EmulatorState(config, clock=clock)
        self._stopping = threading.Event()
        self.admin = Admin(self.state, self._stopping, http_stats=lambda: self._httpd.stats())
        self._httpd = _HTTPServer((config.host, config.port), self)
        host, port = self._httpd.server_address[:2]
        self.url = config.public_url or f"http://{host!s}:{port}"
        self.state.base_url = self.url
        self._thread: threading.Thread | None = None

    @property
    def admin_url(self) -> str:
        return f"{self.url}/_admin/"

    def start(self) -> ZaloEmulator:
        self.state.webhooks.start()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="zalo-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C), then close everything."""
        self.state.webhooks.start()
        try:
            self._httpd.serve_forever()
        finally:
            self._close()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._close()

    def __enter__(self) -> ZaloEmulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def drive(self, *, events: int, rate_per_second: float, kinds: dict[str, float] | None = None) -> Drive:
        """Send ``events`` citizen events to the webhook at a rate; returns when all are emitted."""
        return driver.drive(
            self.state, events=events, rate_per_second=rate_per_second, kinds=kinds, stop=self._stopping
        )

    def _close(self) -> None:
        self._stopping.set()
        self._httpd.close_connections()
        self._httpd.server_close()
        self.state.webhooks.stop()
        self.admin.join(timeout=1)

    # Requests -------------------------------------------------------------------------------------

    def handle(self, call: Call) -> Reply | None:
        """The reply to one request, or None to drop the connection without answering (a timeout)."""
        try:
            if call.path == "/_admin" or call.path.startswith("/_admin/"):
                return self.admin.handle(call)
            if call.path.startswith("/_media/"):
                return self._media(call)
            return self._provider(call)
        except Exception:
            logger.exception("zalo emulator: %s %s failed", call.method, call.path)
            return Reply(status=500, body=b"emulator error", content_type="text/plain")

    def _media(self, call: Call) -> Reply:
        """What followers sent lives like Zalo's links (``media_ttl_s``); other media always answer."""
        msg_id = sent_media_id(call.path)
        if msg_id:
            with self.state.lock:
                unavailable, alive = self.state.media_unavailable, self.state.media_alive(msg_id)
            if unavailable:
                return unavailable_reply()
            if not alive:
                return expired_reply()
        return media_reply(call.path)

    def _provider(self, call: Call) -> Reply | None:
        key = (call.method, call.path)
        if key not in _OAUTH_ROUTES and key not in openapi.ROUTES and key not in zns.ROUTES:
            if call.path in _KNOWN_PATHS:
                return Reply(status=405, body=b"Method Not Allowed", content_type="text/plain")
            return Reply(status=404, body=b"Not Found", content_type="text/plain")
        state = self.state
        with state.lock:
            faults = state.faults
            timeout = state.fault_rng.random() < faults.timeout_rate
            bad_gateway = state.fault_rng.random() < faults.error_rate_5xx
        if timeout:
            self._stopping.wait(self.config.timeout_hold_s)
            return None
        if faults.latency_ms:
            self._stopping.wait(faults.latency_ms / 1000)
        if bad_gateway:
            return Reply(status=502, body=_BAD_GATEWAY, content_type="text/html")
        if key in _OAUTH_ROUTES:
            return _OAUTH_ROUTES[key](state, call)
        if key in openapi.ROUTES:
            return self._openapi(openapi.ROUTES[key], call)
        return self._zns(zns.ROUTES[key], call)

    def _openapi(self, handler: openapi.Handler, call: Call) -> Reply:
        state = self.state
        with state.lock:
            allowed, remain = state.rate_take()
            auth = state.token_status(call.header("access_token"))
        headers = {
            "X-RateLimit-Limit": str(self.config.rate_limit_per_minute),
            "X-RateLimit-Remain": str(remain),
        }
        if not allowed:
            return json_reply(ZaloError(-32).body(), headers=headers)
        if auth != "ok":
            return json_reply(ZaloError(-216 if auth == "invalid" else -220).body(), headers=headers)
        return json_reply(_envelope(handler, state, call), headers=headers)

    def _zns(self, handler: openapi.Handler, call: Call) -> Reply:
        with self.state.lock:
            auth = self.state.token_status(call.header("access_token"))
        if auth != "ok":
            return json_reply(ZaloError(-124, zns=True).body())
        return json_reply(_envelope(handler, self.state, call))


def _envelope(handler: openapi.Handler, state: EmulatorState, call: Call) -> dict[str, Any]:
    try:
        data = handler(state, call)
    except ZaloError as exc:
        return exc.body()
    return {"error": 0, "message": "Success"} if data is None else success(data)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stop()
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], emulator: ZaloEmulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._connections_opened = 0
        super().__init__(address, _Handler)

    def stats(self) -> dict[str, int]:
        """Connections opened against those open now: shows whether clients reuse connections."""
        with self._connections_lock:
            return {
                "connections_opened": self._connections_opened,
                "connections_open": len(self._connections),
            }

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
            self._connections_opened += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _BodyTooLarge(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered: status line, headers and body leave in one write
    timeout = 120  # an idle keep-alive connection is closed after two minutes
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        try:
            body = self._read_body()
        except _BodyTooLarge:
            self.send_error(413)
            return
        except ValueError:
            self.send_error(400)
            return
        parts = urlsplit(self.path)
        call = Call(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        reply = self.server.emulator.handle(call)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            size = 0
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    raise _BodyTooLarge
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise _BodyTooLarge
        return self.rfile.read(length) if length > 0 else b""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silent per request: at hundreds of calls a second the log would cost more than the call."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("zalo emulator: " + format, *args)
