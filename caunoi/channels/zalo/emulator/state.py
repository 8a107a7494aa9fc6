"""All the emulator knows, in memory, behind one lock.

Handlers take ``state.lock`` for the whole of a decision (check the window, log, emit), so two
concurrent sends can never both take the last unit of a quota. Methods here expect the caller to hold
the lock, except where they say otherwise.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from caunoi.channels.zalo.emulator import events
from caunoi.channels.zalo.emulator.config import EmulatorConfig
from caunoi.channels.zalo.emulator.population import VN_TZ, Follower, PersonMaker
from caunoi.channels.zalo.emulator.webhooks import WebhookSender

Clock = Callable[[], float]
TokenStatus = Literal["ok", "invalid", "expired"]


@dataclass
class Faults:
    """Switched at run time through ``POST /_admin/faults``."""

    latency_ms: int = 0
    error_rate_5xx: float = 0.0
    timeout_rate: float = 0.0
    rate_limit: bool = False  # every OA API call answers -32


@dataclass
class AuthCode:
    challenge: str
    expires_at: float


@dataclass
class Asset:
    """An uploaded image or file: Zalo keeps it about 7 days, then its id answers -100."""

    kind: str  # image, gif, file
    name: str
    size: int
    expires_at: float


@dataclass(frozen=True)
class LoggedMessage:
    msg_id: str
    channel: str  # cs, template, zns
    recipient: str  # user id, or phone for ZNS
    kind: str  # text, image, gif, sticker, file, list, request_user_info, template
    sent_time: str
    text: str = ""
    quota_type: str = ""  # reply, or "" when billed
    billed: bool = False
    template_id: str = ""
    tracking_id: str = ""


@dataclass
class Drive:
    number: int
    requested: int
    rate_per_second: float
    kinds: dict[str, float] = field(default_factory=dict)
    topic: str = ""  # every text is about this topic (a burst), when set
    commune_code: str = ""  # every event comes from followers living in this commune, when set
    emitted: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    started_at: float = 0.0
    finished_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "drive": self.number,
            "requested": self.requested,
            "rate_per_second": self.rate_per_second,
            "emitted": sum(self.emitted.values()),
            "by_kind": dict(self.emitted),
            "topics": dict(self.topics),
            "topic": self.topic,
            "commune_code": self.commune_code,
            "running": self.finished_at is None,
            "seconds": round((self.finished_at or time.time()) - self.started_at, 3),
        }


class EmulatorState:
    def __init__(self, config: EmulatorConfig, *, clock: Clock = time.time) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.Lock()
        # One stream per purpose, so that switching a fault on does not change who the followers are.
        self.rng = random.Random(f"events-{config.seed}")
        self.fault_rng = random.Random(f"faults-{config.seed}")
        self.maker = PersonMaker(config, random.Random(f"people-{config.seed}"))
        self.base_url = config.public_url
        self.followers: dict[str, Follower] = {}
        self.user_ids: list[str] = []  # insertion order: getlist pages and the driver picks from it
        for person in self.maker.population(clock()):
            self.add_person(person)
        self.oa_tags: dict[str, None] = {}  # the OA's tags, in creation order
        self.codes: dict[str, AuthCode] = {}
        self.access_tokens: dict[str, float] = {}  # token → expires at
        self.refresh_tokens: dict[str, float] = {}
        self.assets: dict[str, Asset] = {}
        self.media_expires: dict[str, float] = {}  # msg_id of a sent photo/file → link dies at
        self.media_unavailable = False  # the file host answers 503 (POST /_admin/faults)
        self.upload_counts: Counter[tuple[str, str]] = Counter()  # (month, endpoint)
        self.messages: list[LoggedMessage] = []
        self.per_recipient: Counter[str] = Counter()
        self.per_tracking_id: Counter[str] = Counter()
        self.message_counts: Counter[str] = Counter()
        self.faults = Faults()
        self.rate_window = -1
        self.rate_used = 0
        self.zns_day = ""
        self.zns_remaining = config.zns_daily_quota
        self.drives: list[Drive] = []
        self.webhooks = WebhookSender(config)

    # People ---------------------------------------------------------------------------------------

    def add_person(self, person: Follower) -> None:
        self.followers[person.user_id] = person
        self.user_ids.append(person.user_id)

    def interact(self, person: Follower, at: float) -> None:
        """Sending a message, following or tapping "Nhắn tin" opens the consultation windows again."""
        person.last_interaction = at
        person.window_replies = 0

    # Tokens and rate limit ------------------------------------------------------------------------

    def issue_tokens(self) -> dict[str, str]:
        now = self.clock()
        access, refresh = secrets.token_urlsafe(96), secrets.token_urlsafe(96)
        self.access_tokens[access] = now + self.config.access_token_ttl_s
        self.refresh_tokens[refresh] = now + self.config.refresh_token_ttl_s
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": str(self.config.access_token_ttl_s),
        }

    def token_status(self, token: str) -> TokenStatus:
        expires_at = self.access_tokens.get(token)
        if expires_at is None:
            return "invalid"
        return "ok" if self.clock() < expires_at else "expired"

    def expire_tokens(self) -> None:
        past = self.clock() - 1
        for token in self.access_tokens:
            self.access_tokens[token] = past

    def rate_take(self) -> tuple[bool, int]:
        """One call of the per-minute budget: (allowed, remaining), the window resetting each minute."""
        window = int(self.clock() // 60)
        if window != self.rate_window:
            self.rate_window, self.rate_used = window, 0
        self.rate_used += 1
        limit = self.config.rate_limit_per_minute
        allowed = self.rate_used <= limit and not self.faults.rate_limit
        return allowed, max(0, limit - self.rate_used) if allowed else 0

    # Messages and webhooks ------------------------------------------------------------------------

    def expire_media(self) -> None:
        past = self.clock() - 1
        for msg_id in self.media_expires:
            self.media_expires[msg_id] = past

    def media_alive(self, msg_id: str) -> bool:
        """Whether the link to a follower's photo or file still works; links we never gave are alive
        (thumbnails and test URLs), as before."""
        expires_at = self.media_expires.get(msg_id)
        return expires_at is None or self.clock() < expires_at

    def new_msg_id(self) -> str:
        return secrets.token_hex(10)

    def log(self, message: LoggedMessage) -> None:
        self.messages.append(message)
        self.per_recipient[message.recipient] += 1
        if message.tracking_id:
            self.per_tracking_id[message.tracking_id] += 1
        self.message_counts[message.channel] += 1
        self.message_counts["billed" if message.billed else "free"] += 1

    def reset_messages(self) -> None:
        self.messages.clear()
        self.per_recipient.clear()
        self.per_tracking_id.clear()
        self.message_counts.clear()

    def emit(self, event: events.Event, *, after: float = 0.0, zns: bool = False) -> None:
        """Queue a webhook ``after`` emulated seconds (divided by the time factor)."""
        self.webhooks.send(event, delay=self.config.scaled(after), zns=zns)

    def later(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)

    def after_oa_send(self, person: Follower, msg_id: str, echo: tuple[str, dict[str, Any]] | None) -> None:
        """What the phone reports back after an OA message: the echo, delivered, and often seen."""
        now = self.clock()
        if echo is not None and self.config.echo_oa_sends:
            name, message = echo
            self.emit(events.oa_echo_event(self.config, person, name, {"msg_id": msg_id, **message}, now))
        received = self.later(self.config.received_delay_s)
        at = now + self.config.scaled(received)
        self.emit(
            events.user_event(self.config, person, "user_received_message", {"msg_id": msg_id}, at),
            after=received,
        )
        if self.rng.random() < self.config.seen_share:
            seen = received + self.later(self.config.seen_delay_s)
            at = now + self.config.scaled(seen)
            self.emit(
                events.user_event(self.config, person, "user_seen_message", {"msg_ids": [msg_id]}, at),
                after=seen,
            )

    # ZNS quota ------------------------------------------------------------------------------------

    def zns_roll_day(self) -> None:
        """The daily ZNS quota starts again at midnight, Vietnam time."""
        today = dt.datetime.fromtimestamp(self.clock(), VN_TZ).date().isoformat()
        if today != self.zns_day:
            self.zns_day, self.zns_remaining = today, self.config.zns_daily_quota

    # Admin view -----------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        now = self.clock()
        self.zns_roll_day()
        following = sum(1 for p in self.followers.values() if p.is_follower)
        return {
            "app": {
                "app_id": self.config.app_id,
                "app_name": self.config.app_name,
                "oa_id": self.config.oa_id,
                "oa_name": self.config.oa_name,
            },
            "url": self.base_url,
            "followers": {"known": len(self.followers), "following": following},
            "faults": asdict(self.faults),
            "rate_limit": {
                "per_minute": self.config.rate_limit_per_minute,
                "used_this_minute": self.rate_used if self.rate_window == int(now // 60) else 0,
            },
            "tokens": {"active": sum(1 for e in self.access_tokens.values() if e > now)},
            "messages": {"total": len(self.messages), **self.message_counts},
            "zns": {"daily_quota": self.config.zns_daily_quota, "remaining": self.zns_remaining},
            "drives": [drive.as_dict() for drive in self.drives[-10:]],
        }
