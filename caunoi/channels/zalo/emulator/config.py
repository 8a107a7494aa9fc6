"""Everything the emulator can be told, in one frozen object.

Where the research (``research/zalo-oa.md``) finds sources that disagree, the choice is a field here
rather than a guess baked into the code: which secret signs webhooks, which error an unknown user
gets, whether the old cap of 8 free replies applies, whether ZNS accepts ``0…`` numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HOUR = 3600
DAY = 24 * HOUR

# Defaults are fixed (not random) so that `make demo` can configure the Django side without copying.
DEFAULT_APP_ID = "4100820250701000001"
DEFAULT_APP_SECRET = "emulator-app-secret-not-for-production"  # noqa: S105 - public demo credential
DEFAULT_OA_ID = "3100820250701000008"
DEFAULT_OA_SECRET_KEY = "emulator-oa-secret-not-for-production"  # noqa: S105 - public demo credential

LANGUAGE_WEIGHTS = {"vi": 0.45, "tay": 0.22, "hmn": 0.18, "dao": 0.10, "nut": 0.05}


@dataclass(frozen=True)
class ZnsTemplate:
    """A ZNS (ZBS) template as Zalo holds it after approval: parameters with their maximum lengths."""

    template_id: str
    name: str
    params: dict[str, int]
    tag: str = "POST_TRANSACTION"
    price_vnd: int = 300
    uid_allowed: bool = True  # may also be sent by user id on v3.0/oa/message/template (-249 if not)


DEMO_ZNS_TEMPLATES = (
    ZnsTemplate(
        "410001",
        "Lịch tiếp công dân",
        {"citizen_name": 30, "date": 20, "place": 80},
        tag="IN_TRANSACTION",
    ),
    ZnsTemplate(
        "410002",
        "Kết quả giải quyết kiến nghị",
        {"citizen_name": 30, "petition_code": 30, "status": 30, "lookup_url": 100},
    ),
    ZnsTemplate(
        "410003",
        "Cảnh báo thiên tai",
        {"area": 80, "hazard": 50, "instruction": 200},
        tag="IN_TRANSACTION",
        price_vnd=440,
    ),
    ZnsTemplate("410004", "Mã xác thực", {"otp": 8}, tag="OTP", uid_allowed=False),
)


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0
    public_url: str = ""  # how clients reach us; default http://host:port

    app_id: str = DEFAULT_APP_ID
    app_secret: str = DEFAULT_APP_SECRET
    app_name: str = "Cầu Nối"
    oa_id: str = DEFAULT_OA_ID
    oa_name: str = "Cầu Nối Tuyên Quang (giả lập)"
    oa_secret_key: str = DEFAULT_OA_SECRET_KEY

    # Population
    followers: int = 200
    seed: int = 1
    province: str | None = "08"  # official code; None gives followers no commune
    languages: dict[str, float] = field(default_factory=lambda: dict(LANGUAGE_WEIGHTS))
    history_days: float = 10.0  # last interactions are spread over this many past days
    shared_info_share: float = 0.3  # followers who already answered a request_user_info
    location_center: tuple[float, float] = (22.35, 104.95)  # around Tuyên Quang after the 2025 merger
    location_spread: float = 0.6

    # OAuth v4
    registered_redirect_uri: str = ""  # when set, redirect_uri must match byte for byte (-14003)
    console_code_challenge: str = ""  # the challenge saved in the App console, used when the link has none
    code_ttl_s: int = 600
    access_token_ttl_s: int = 90_000
    refresh_token_ttl_s: int = 90 * DAY

    # OA Open API
    rate_limit_per_minute: int = 4000
    free_window_s: int = 48 * HOUR
    cs_window_s: int = 7 * DAY
    unknown_user_error: Literal[-230, -213] = -230
    cs_requires_follow: bool = False  # unknown whether an unfollowed user may still get CS (-213 if so)
    cs_free_replies_per_window: int | None = None  # None: unlimited (since 2026-01-01); 8 = the old cap
    upload_ttl_s: int = 7 * DAY
    media_ttl_s: int = 7 * DAY  # links to what followers send stop working after this
    upload_quota_per_month: int = 5000

    # ZNS
    zns_templates: tuple[ZnsTemplate, ...] = DEMO_ZNS_TEMPLATES
    zns_daily_quota: int = 500
    zns_admin_phones: tuple[str, ...] = ()  # who may receive mode=development sends (-127 otherwise)
    zns_accept_leading_zero: bool = False  # one community page says 0… is accepted too

    # Webhooks out
    webhook_url: str = ""
    webhook_signed_with: Literal["oa_secret_key", "app_secret"] = "oa_secret_key"
    signature_prefix: Literal["app_id", "oa_id"] = "app_id"
    webhook_timeout_s: float = 2.0
    webhook_retry_schedule_s: tuple[float, ...] = (30, 300, 900, 1800, 3600)
    webhook_concurrency: int = 4
    time_factor: float = 1.0  # divides every emulated delay: retries, receipts, seen, replies
    echo_oa_sends: bool = True
    received_delay_s: tuple[float, float] = (0.5, 3.0)
    seen_share: float = 0.7
    seen_delay_s: tuple[float, float] = (5.0, 60.0)
    submit_info_share: float = 0.6  # of request_user_info messages answered by user_submit_info
    submit_info_delay_s: tuple[float, float] = (20.0, 120.0)
    zns_delivery_delay_s: tuple[float, float] = (1.0, 5.0)

    # Faults
    timeout_hold_s: float = 30.0  # how long a "timeout" request is held before the connection drops

    def scaled(self, seconds: float) -> float:
        return seconds / self.time_factor

    @property
    def webhook_signing_secret(self) -> str:
        return self.oa_secret_key if self.webhook_signed_with == "oa_secret_key" else self.app_secret

    @property
    def signature_id(self) -> str:
        return self.app_id if self.signature_prefix == "app_id" else self.oa_id
