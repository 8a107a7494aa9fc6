"""Secrets never reach a log line or the audit trail, even with every logger at DEBUG.

One realistic run with real parts: an officer signs in with a password, an integration calls the API
with its token, the Zalo OA is connected through the emulator's OAuth consent step (access and refresh
tokens), the tokens are refreshed, followers write in (webhooks signed with the OA secret key), an SMS
goes out through a gateway whose URL, Basic auth and header carry credentials, and an email through an
SMTP server that requires a password. Every log record of the run (SQL with its parameters included)
and every audit event is then searched for each secret value.

``manage.py check --deploy`` is tests/test_cli.py::test_production_settings_pass_the_deployment_check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.db import connection
from django.test import Client

from caunoi.accounts.services import api_token_create
from caunoi.channels import services as channel_services
from caunoi.channels.models import ZaloAccount
from caunoi.channels.zalo.emulator import config as zalo_defaults
from caunoi.core import crypto
from caunoi.core.logs import redact_url_secrets
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from tests.conftest import PASSWORD, make_staff
from tests.providers import Mailbox, free_port

pytestmark = pytest.mark.django_db(transaction=True)

SMS_URL_KEY = "sms-url-apikey-7Qx2"
SMS_URL_PASSWORD = "sms-url-pass-9Kd4"
SMS_BASIC_PASSWORD = "sms-basic-pass-3Zr8"
SMS_BEARER = "sms-bearer-5Wm1"
SMTP_PASSWORD = "smtp-pass-8Hv6"


class _Everything(logging.Handler):
    """Keeps every record, formatted as a log file would show it (arguments and tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs() -> Iterator[_Everything]:
    """Every logger at DEBUG into one handler, and SQL logged with its parameters, for the whole test."""
    handler = _Everything()
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    saved = [(lg, lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.propagate = True
    root.addHandler(handler)
    connection.force_debug_cursor = True
    try:
        yield handler
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        for lg, level, propagate in saved:
            lg.setLevel(level)
            lg.propagate = propagate


@pytest.fixture
def smtp_with_password(settings: Any) -> Iterator[Mailbox]:
    """An SMTP server that accepts mail only after AUTH with the configured password."""

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = auth_data.login == b"canbo" and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    handler = Mailbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "canbo", SMTP_PASSWORD
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.CAUNOI_EMAIL_FROM = "Cầu Nối Tuyên Quang <thongbao@caunoi.example.vn>"
    settings.CAUNOI_EMAIL_UNSUBSCRIBE_URL = "https://caunoi.example.vn/huy-dang-ky/"
    yield handler
    controller.stop()


def _zalo_tokens(account: ZaloAccount) -> list[str]:
    account.refresh_from_db()
    return [crypto.decrypt(account.access_token_encrypted), crypto.decrypt(account.refresh_token_encrypted)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server
def test_a_full_run_at_debug_logs_no_secret(
    debug_logs: _Everything, smtp_with_password: Mailbox, gateway: Any, zalo_live: Any, settings: Any
) -> None:
    province = Unit.objects.get(code="08")
    admin = make_staff("tinh.quantri", Role.PROVINCE_ADMIN, province)
    secrets: dict[str, str] = {
        "staff password": PASSWORD,
        "Zalo app secret": zalo_defaults.DEFAULT_APP_SECRET,
        "Zalo OA secret key": zalo_defaults.DEFAULT_OA_SECRET_KEY,
        "SMS key in the URL": SMS_URL_KEY,
        "SMS password in the URL": SMS_URL_PASSWORD,
        "SMS Basic password": SMS_BASIC_PASSWORD,
        "SMS bearer token": SMS_BEARER,
        "SMTP password": SMTP_PASSWORD,
        "secret key": str(settings.SECRET_KEY),
    }

    # Zalo: the OA was connected by the fixture (OAuth against the emulator); refresh the pair once more.
    first_pair = _zalo_tokens(zalo_live.account)
    channel_services.zalo_access_token(account=zalo_live.account, force_refresh=True)
    second_pair = _zalo_tokens(zalo_live.account)
    assert first_pair != second_pair
    for i, token in enumerate([*first_pair, *second_pair]):
        secrets[f"Zalo token {i}"] = token
    # Followers write in: signed webhooks to the live server, processed as the worker would.
    assert zalo_live.followers_write_in(3)

    # An officer signs in with the password; an integration calls the API with its token.
    browser = Client()
    signed_in = browser.post("/accounts/login/", {"username": admin.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    commune = Unit.objects.get(code="00694")
    _token, api_secret = api_token_create(
        name="Cổng xã", unit=commune, role=Role.COMMUNE_OFFICER, actor=admin
    )
    secrets["API token"] = api_secret
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api_secret}")
    assert me.status_code == 200

    # SMS through a gateway with credentials in its URL, in Basic auth and in a header.
    port = gateway.server_address[1]
    settings.CAUNOI_SMS_GATEWAY_URL = (
        f"http://brand:{SMS_URL_PASSWORD}@127.0.0.1:{port}/send?apikey={SMS_URL_KEY}"
    )
    settings.CAUNOI_SMS_BASIC_AUTH = f"brand:{SMS_BASIC_PASSWORD}"
    settings.CAUNOI_SMS_AUTH_HEADER = f"X-Api-Token: {SMS_BEARER}"
    settings.CAUNOI_SMS_MESSAGE_ID_PATH = "data.id"  # the stand-in gateway answers {"data": {"id": …}}
    channel_services.sms_test_send(
        phone="0912345678", text="Thử tin nhắn", unaccented=True, actor=admin, unit=province
    )
    assert gateway.requests, "the gateway was called"

    # Email through SMTP with a password.
    channel_services.email_test_send(address="canbo@example.vn", actor=admin, unit=province)
    assert smtp_with_password.messages, "the SMTP server accepted the mail after AUTH"

    audit = [
        json.dumps(row, default=str, ensure_ascii=False)
        for row in AuditEvent.objects.values()  # every column of every event
    ]
    assert len(debug_logs.lines) > 100, "the run was logged at DEBUG"
    found = [
        f"{name} in {where}: {line[:160]}"
        for name, secret in secrets.items()
        for where, lines in (("log", debug_logs.lines), ("audit", audit))
        for line in lines
        if secret in line
    ]
    assert found == [], "\n".join(found)
    # The gateway call itself is logged, with its URL masked rather than dropped.
    assert any("POST http://***@127.0.0.1" in line and "apikey=***" in line for line in debug_logs.lines)


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (
            'HTTP Request: POST https://u:p%40ss@sms.example.vn/send?key=abc&to=849 "HTTP/1.1 200 OK"',
            'HTTP Request: POST https://***@sms.example.vn/send?key=***&to=*** "HTTP/1.1 200 OK"',
        ),
        (
            "GET https://openapi.zalo.me/v3.0/oa/user/detail",
            "GET https://openapi.zalo.me/v3.0/oa/user/detail",
        ),
    ],
)
def test_url_secrets_are_masked_in_log_lines(line: str, masked: str) -> None:
    assert redact_url_secrets(line) == masked
