"""The channel protocol (kênh): every way we reach a citizen speaks it, and nothing else.

A channel takes and returns plain data classes. It never imports campaigns or the inbox: they choose
a channel by asking ``eligibility`` ("can this channel reach this person now, and at what cost?")
and hand it an ``OutboundMessage``; what comes back is a ``SendResult`` that says whether the
provider took it, with the provider's id and cost, or why not (``SendError``) in a way the delivery
engine can act on: retry later, stop for good, re-authorise, or slow down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class ChannelKind(StrEnum):
    ZALO = "zalo"  # Zalo Official Account, consultation and template messages by user id
    ZNS = "zns"  # Zalo Notification Service, template messages by phone number
    SMS = "sms"
    EMAIL = "email"
    WEB = "web"  # public announcement pages and feeds
    LOUDSPEAKER = "loudspeaker"  # đài truyền thanh: script + audio in a pull feed


class ErrorClass(StrEnum):
    """What the delivery engine should do about a failed send."""

    TRANSIENT = "transient"  # network, 5xx, timeouts: retry with backoff
    RATE_LIMITED = "rate_limited"  # slow down, retry after ``retry_after``
    QUOTA = "quota"  # the channel's quota is used up: pause the channel and say so
    RESCHEDULE = "reschedule"  # not allowed now (e.g. night hours): try again in the daytime
    REAUTH = "reauth"  # the token must be refreshed, or a person must reconnect the account
    PERMANENT = "permanent"  # this recipient or payload will never work: do not retry


@dataclass(frozen=True)
class SendError:
    error_class: ErrorClass
    code: str  # the provider's own code, e.g. "-230" from Zalo, "550" from SMTP
    message: str
    retry_after: float | None = None  # seconds, when the provider said
    # The request left us and no readable answer came back (a read timeout, a dropped connection, a
    # success that is not the provider's format): the provider may have taken the message, so a resend
    # may reach the person twice. At-most-once campaigns record such a send as unknown instead.
    maybe_sent: bool = False

    @property
    def retryable(self) -> bool:
        return self.error_class in (
            ErrorClass.TRANSIENT,
            ErrorClass.RATE_LIMITED,
            ErrorClass.RESCHEDULE,
            ErrorClass.REAUTH,
        )


@dataclass(frozen=True)
class Recipient:
    """Where to reach one person on one channel; only the address that channel needs is set."""

    zalo_user_id: str = ""
    phone: str = ""  # 84…, see caunoi.core.phone
    email: str = ""
    language: str = "vi"
    last_interaction_at: dt.datetime | None = None  # for Zalo's consultation window
    follows: bool = False  # follows the Zalo OA


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes = b""
    url: str = ""


@dataclass(frozen=True)
class OutboundMessage:
    recipient: Recipient
    text: str = ""
    subject: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    template_id: str = ""  # ZNS / ZBS template
    template_params: dict[str, str] = field(default_factory=dict)
    tracking_id: str = ""  # our delivery id, echoed back in delivery reports
    reply_to: str = ""  # provider id of the inbound message this answers (Zalo counts replies)
    unaccented: bool = False  # SMS: send folded text (đ → d, no tone marks) to halve the cost


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str = ""
    cost_vnd: Decimal = Decimal(0)
    quota_remaining: int | None = None
    segments: int = 1  # SMS parts billed
    error: SendError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Eligibility:
    """Can this channel reach this person now, and at what cost?"""

    eligible: bool
    reason: str = ""  # why not, or which rule applies ("free reply window", "paid window")
    cost_vnd: Decimal = Decimal(0)
    window_ends_at: dt.datetime | None = None


class InboundKind(StrEnum):
    MESSAGE = "message"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    DELIVERED = "delivered"
    FAILED = "failed"  # the provider reports it could not deliver (bounce, SMS report); see ``error``
    SEEN = "seen"
    SUBMIT_INFO = "submit_info"
    OTHER = "other"


@dataclass(frozen=True)
class InboundEvent:
    """One thing a citizen or a provider told us, parsed from a webhook or a form."""

    channel: ChannelKind
    kind: InboundKind
    external_event_id: str  # unique per provider event: the idempotency key
    external_user_id: str = ""
    occurred_at: dt.datetime | None = None
    text: str = ""
    message_type: str = ""  # text, image, file, location, sticker, link…
    attachments: tuple[dict[str, Any], ...] = ()
    provider_message_id: str = ""  # for delivery/seen reports: which message
    tracking_id: str = ""
    contact: dict[str, str] = field(default_factory=dict)  # submit_info: fields the citizen shared
    error: SendError | None = None  # FAILED: why, classified like a failed send
    raw: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    kind: ChannelKind

    def eligibility(self, recipient: Recipient, *, now: dt.datetime) -> Eligibility: ...

    def send(self, message: OutboundMessage) -> SendResult: ...
