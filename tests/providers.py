"""Stand-ins for the outside edge that are real servers on 127.0.0.1: an SMS gateway (HTTP) and an SMTP
server (aiosmtpd). Shared by the channel, campaign and inbox tests through ``tests/conftest.py``."""

from __future__ import annotations

import json
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


class Gateway(ThreadingHTTPServer):
    """A brandname SMS gateway on 127.0.0.1: records each request and answers as ``reply`` says."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.requests: list[dict] = []
        self.reply: tuple[int, dict, dict] = (200, {"data": {"id": "gw-1"}}, {})
        self.delay = 0.0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/send"

    def handle_error(self, request, client_address):
        pass  # the slow answer's client has gone away: nothing to report


class GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be observed

    def do_POST(self):
        gateway = self.server
        assert isinstance(gateway, Gateway)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        gateway.requests.append({"headers": dict(self.headers), "body": body, "port": self.client_address[1]})
        time.sleep(gateway.delay)
        status, payload, headers = gateway.reply
        answer = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def gateway():
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Mailbox:
    """An SMTP server's handler: keeps what it accepts, refuses the addresses it is told to."""

    def __init__(self):
        self.messages = []
        self.refuse = {}  # address → SMTP reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "peer": session.peer,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "raw": envelope.original_content,
                "message": message_from_bytes(envelope.original_content, policy=policy.default),
            }
        )
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.CAUNOI_EMAIL_FROM = "Cầu Nối Tuyên Quang <thongbao@caunoi.example.vn>"
    settings.CAUNOI_EMAIL_UNSUBSCRIBE_URL = "https://caunoi.example.vn/huy-dang-ky/"
    yield handler
    controller.stop()
