"""SMS (tin nhắn) through a brandname provider's HTTP gateway.

Cost is shown before sending because it depends on the text: one accented Vietnamese letter turns the
whole message into UCS-2, which fits 70 characters per SMS instead of 160, so an operator may choose to
send it unaccented (đ → d, no tone marks) and pay for fewer parts. The gateway is configured, not coded:
URL, auth, body template and where its message id is in the answer (``CAUNOI_SMS_*`` settings).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode

import httpx
from django.conf import settings
from django.utils import timezone

from caunoi.channels.base import (
    ChannelKind,
    Eligibility,
    ErrorClass,
    InboundEvent,
    InboundKind,
    OutboundMessage,
    Recipient,
    SendError,
    SendResult,
)
from caunoi.core.errors import PermissionDenied, ValidationFailed
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.text import nfc, strip_diacritics

logger = logging.getLogger(__name__)

# GSM 03.38: the default alphabet (one septet each; 0x1B is the escape, not a character) and the
# extension table (escape + one septet, so two each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Typographic punctuation that word processors put in pasted text; any one of them would make an
# unaccented message UCS-2 again.
_PLAIN_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb", '"'),  # curly and angle double quotes
        **dict.fromkeys("\u2018\u2019\u0060\u00b4", "'"),  # curly single quotes, grave, acute
        **dict.fromkeys("\u2010\u2011\u2013\u2014\u2022", "-"),  # hyphens, en and em dash, bullet
        "\u2026": "...",
        "\u00a0": " ",  # no-break space
        "\t": " ",
    }
)


class SmsEncoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SmsEstimate:
    """What a text costs before it is sent. ``characters`` counts what the limits count: septets for
    GSM-7 (extension characters twice), UTF-16 code units for UCS-2."""

    encoding: SmsEncoding
    characters: int
    segments: int
    cost_vnd: Decimal


def unaccented(text: str) -> str:
    """The operator's "send without accents" option: "Đường ngập" → "Duong ngap", quotes made plain."""
    return strip_diacritics(text).translate(_PLAIN_PUNCTUATION)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _segments(units: list[int], single: int, per_part: int) -> int:
    """Parts needed when a character never straddles two parts (an escape pair, a surrogate pair)."""
    if sum(units) <= single:
        return 1 if units else 0
    parts, used = 1, 0
    for width in units:
        if used + width > per_part:
            parts, used = parts + 1, 0
        used += width
    return parts


def sms_estimate(
    text: str,
    *,
    price_gsm7_vnd: Decimal | None = None,
    price_ucs2_vnd: Decimal | None = None,
) -> SmsEstimate:
    """Encoding, parts and cost of ``text`` exactly as it will be sent (fold it first if unaccented)."""
    if is_gsm7(text):
        septets = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        segments = _segments(septets, 160, 153)
        price = settings.CAUNOI_SMS_PRICE_GSM7_VND if price_gsm7_vnd is None else price_gsm7_vnd
        return SmsEstimate(SmsEncoding.GSM7, sum(septets), segments, segments * price)
    code_units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    segments = _segments(code_units, 70, 67)
    price = settings.CAUNOI_SMS_PRICE_UCS2_VND if price_ucs2_vnd is None else price_ucs2_vnd
    return SmsEstimate(SmsEncoding.UCS2, sum(code_units), segments, segments * price)


def sms_text(message: OutboundMessage) -> str:
    """The text that goes on the air: NFC (decomposed accents cost double), folded when asked."""
    text = nfc(message.text)
    return unaccented(text) if message.unaccented else text


@dataclass(frozen=True)
class SmsGatewayConfig:
    url: str
    body_format: str = "json"  # or "form"
    body_template: str = (
        '{"to": "{to}", "text": "{text}", "sender": "{sender}", "tracking_id": "{tracking_id}"}'
    )
    message_id_path: str = "message_id"
    auth_header: tuple[str, str] | None = None
    basic_auth: tuple[str, str] | None = None
    sender: str = ""
    price_gsm7_vnd: Decimal = Decimal(800)
    price_ucs2_vnd: Decimal = Decimal(800)
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls) -> SmsGatewayConfig:
        header = settings.CAUNOI_SMS_AUTH_HEADER
        basic = settings.CAUNOI_SMS_BASIC_AUTH
        name, _, value = header.partition(":")
        user, _, password = basic.partition(":")
        return cls(
            url=settings.CAUNOI_SMS_GATEWAY_URL,
            body_format=settings.CAUNOI_SMS_BODY_FORMAT,
            body_template=settings.CAUNOI_SMS_BODY_TEMPLATE,
            message_id_path=settings.CAUNOI_SMS_MESSAGE_ID_PATH,
            auth_header=(name.strip(), value.strip()) if header else None,
            basic_auth=(user, password) if basic else None,
            sender=settings.CAUNOI_SMS_SENDER,
            price_gsm7_vnd=settings.CAUNOI_SMS_PRICE_GSM7_VND,
            price_ucs2_vnd=settings.CAUNOI_SMS_PRICE_UCS2_VND,
            timeout_seconds=settings.CAUNOI_SMS_TIMEOUT_SECONDS,
        )


_PLACEHOLDER = re.compile(r"\{(to|text|sender|tracking_id)\}")


def _fill(template: Any, values: Mapping[str, str]) -> Any:
    """Placeholders are replaced inside string values in one pass, so the encoder escapes the text and
    a message that itself contains "{to}" stays as written."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda match: values[match[1]], template)
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return type(template)(_fill(value, values) for value in template)
    return template


def _json_path(document: Any, path: str) -> str:
    for step in path.split(".") if path else ():
        if isinstance(document, dict):
            document = document.get(step)
        elif isinstance(document, list) and step.isdigit() and int(step) < len(document):
            document = document[int(step)]
        else:
            return ""
    return "" if document is None or isinstance(document, dict | list) else str(document)


def _retry_after(value: str | None) -> float | None:
    """Retry-After is seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


class SmsChannel:
    """One instance per worker: it keeps one HTTP connection pool to the gateway; close it when done."""

    kind = ChannelKind.SMS

    def __init__(self, config: SmsGatewayConfig | None = None) -> None:
        self.config = config or SmsGatewayConfig.from_settings()
        headers = {"User-Agent": "caunoi-sms/1"}
        if self.config.auth_header:
            headers[self.config.auth_header[0]] = self.config.auth_header[1]
        self._template: Any = (
            parse_qsl(self.config.body_template, keep_blank_values=True)
            if self.config.body_format == "form"
            else json.loads(self.config.body_template)
        )
        timeout = self.config.timeout_seconds
        self._client = httpx.Client(
            headers=headers,
            auth=self.config.basic_auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def estimate(self, message: OutboundMessage) -> SmsEstimate:
        return sms_estimate(
            sms_text(message),
            price_gsm7_vnd=self.config.price_gsm7_vnd,
            price_ucs2_vnd=self.config.price_ucs2_vnd,
        )

    def eligibility(self, recipient: Recipient, *, now: dt.datetime) -> Eligibility:
        """Any valid Vietnamese number, any time (quiet hours are the campaign's rule). The cost quoted
        is one accented part; ``estimate`` prices a given text."""
        if not self.config.url:
            return Eligibility(False, reason="no SMS gateway is configured")
        try:
            normalize_vn_phone(recipient.phone)
        except ValueError:
            return Eligibility(False, reason="no valid phone number")
        return Eligibility(True, reason="priced per SMS part", cost_vnd=self.config.price_ucs2_vnd)

    def send(self, message: OutboundMessage) -> SendResult:
        text = sms_text(message)
        if not text.strip():
            return _failed(ErrorClass.PERMANENT, "empty_text", "the message has no text")
        try:
            phone = normalize_vn_phone(message.recipient.phone)
        except ValueError as exc:
            return _failed(ErrorClass.PERMANENT, "invalid_phone", str(exc))
        estimate = self.estimate(message)
        values = {"to": phone, "text": text, "sender": self.config.sender, "tracking_id": message.tracking_id}
        body = _fill(self._template, values)
        try:
            if self.config.body_format == "form":
                response = self._client.post(
                    self.config.url,
                    content=urlencode(body),
                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                )
            else:
                response = self._client.post(self.config.url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return _failed(ErrorClass.TRANSIENT, "network", f"the SMS gateway cannot be reached ({exc})")
        except httpx.TimeoutException as exc:  # sent, but no answer in time: the gateway may have it
            reason = f"the SMS gateway did not answer in time ({exc})"
            return _failed(ErrorClass.TRANSIENT, "timeout", reason, maybe_sent=True)
        except httpx.TransportError as exc:
            reason = f"the SMS gateway's answer was lost ({exc})"
            return _failed(ErrorClass.TRANSIENT, "no_answer", reason, maybe_sent=True)
        status = response.status_code
        if response.is_success:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            provider_id = _json_path(answer, self.config.message_id_path)
            if not provider_id:
                logger.warning(
                    "SMS gateway accepted a message without an id at %r", self.config.message_id_path
                )
            return SendResult(
                provider_message_id=provider_id, cost_vnd=estimate.cost_vnd, segments=estimate.segments
            )
        detail = f"SMS gateway answered {status}: {response.text[:200]}"
        if status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            return _failed(ErrorClass.RATE_LIMITED, str(status), detail, retry_after)
        if status in (401, 403):  # our credentials: every message would fail until a person fixes them
            return _failed(ErrorClass.REAUTH, str(status), detail)
        if 400 <= status < 500 and status != 408:
            return _failed(ErrorClass.PERMANENT, str(status), detail)
        return _failed(ErrorClass.TRANSIENT, str(status), detail)


def _failed(
    error_class: ErrorClass,
    code: str,
    message: str,
    retry_after: float | None = None,
    *,
    maybe_sent: bool = False,
) -> SendResult:
    return SendResult(error=SendError(error_class, code, message, retry_after, maybe_sent), segments=0)


class DeliveryReportRejected(PermissionDenied):
    """A delivery report without our shared secret: someone other than the gateway is calling."""


# Field names gateways commonly use in delivery reports (ours first, then SMPP-style aliases).
_REPORT_FIELDS = {
    "message_id": ("message_id", "messageId", "msgid", "id"),
    "tracking_id": ("tracking_id", "trackingId", "client_ref", "reference", "ref"),
    "status": ("status", "stat", "state"),
    "error_code": ("error_code", "errorCode", "err", "error"),
    "delivered_at": ("delivered_at", "done_date", "timestamp"),
}
_DELIVERED = {"delivered", "delivrd", "success", "ok", "0"}
_PENDING = {"accepted", "acceptd", "enroute", "buffered", "pending", "sent"}  # not final: no outcome yet


def _first(report: Mapping[str, Any], names: Iterable[str]) -> str:
    for name in names:
        if report.get(name) not in (None, ""):
            return str(report[name])
    return ""


def _report_time(value: str) -> dt.datetime | None:
    if value.isascii() and value.isdigit():
        seconds = int(value) / 1000 if len(value) > 11 else int(value)  # some gateways send epoch ms
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            return None  # not a time we can place; the report still counts
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else timezone.make_aware(when)  # the gateway's local time is ours


def parse_delivery_report(body: bytes, headers: Mapping[str, str], secret: str) -> InboundEvent:
    """The gateway's delivery-report callback (JSON or form) → DELIVERED, or FAILED with a PERMANENT
    ``error`` carrying the gateway's code; an interim report ("enroute") is OTHER with
    ``message_type="delivery_pending"``.

    The gateway proves itself with the shared secret in ``X-Caunoi-Secret`` or ``Authorization: Bearer``;
    with no secret configured every report is refused (fail closed).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    offered = lowered.get("x-caunoi-secret", "")
    if not offered and lowered.get("authorization", "").lower().startswith("bearer "):
        offered = lowered["authorization"][7:].strip()
    if not secret or not hmac.compare_digest(offered.encode(), secret.encode()):
        raise DeliveryReportRejected("delivery report refused: wrong or missing shared secret")
    try:
        if "json" in lowered.get("content-type", "") or body.lstrip().startswith(b"{"):
            report = json.loads(body)
        else:
            report = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("delivery report is neither JSON nor a form") from None
    if not isinstance(report, dict):
        raise ValidationFailed("delivery report must be a JSON object")
    return delivery_report_event(report)


def delivery_report_event(report: Mapping[str, Any]) -> InboundEvent:
    """A delivery report already decoded and authenticated → its event (see ``parse_delivery_report``).

    Separate so the worker can apply a report kept as the gateway sent it, long after the request and
    whatever the shared secret is by then.
    """
    fields = {name: _first(report, aliases) for name, aliases in _REPORT_FIELDS.items()}
    if not (fields["message_id"] or fields["tracking_id"]):
        raise ValidationFailed("delivery report names no message", field="message_id")
    status = fields["status"].lower()
    error = None
    if status in _DELIVERED:
        kind, message_type = InboundKind.DELIVERED, ""
    elif status in _PENDING:
        kind, message_type = InboundKind.OTHER, "delivery_pending"
    else:
        kind, message_type = InboundKind.FAILED, ""
        error = SendError(
            ErrorClass.PERMANENT, fields["error_code"] or status, f"SMS not delivered: {status}"
        )
    return InboundEvent(
        channel=ChannelKind.SMS,
        kind=kind,
        external_event_id=f"sms-report:{fields['message_id'] or fields['tracking_id']}:{status}",
        occurred_at=_report_time(fields["delivered_at"]),
        message_type=message_type,
        provider_message_id=fields["message_id"],
        tracking_id=fields["tracking_id"],
        error=error,
        raw=dict(report),
    )
