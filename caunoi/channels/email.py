"""Email (thư điện tử) over SMTP, configured by ``EMAIL_URL``.

Every message has a text and an HTML part and a one-click unsubscribe (RFC 8058): mail providers hide
or refuse bulk mail without it, and a citizen must be able to withdraw as easily as they agreed. The
Message-ID is ours, so a bounce that comes back days later can be matched to its delivery.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import re
import smtplib
from email import message_from_bytes, policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import make_msgid, parseaddr, parsedate_to_datetime
from typing import Self
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email
from django.utils.html import linebreaks, strip_tags

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

UNSUBSCRIBE_SALT = "caunoi.channels.email.unsubscribe"
TRACKING_HEADER = "X-Caunoi-Tracking-Id"  # comes back in the returned headers of a bounce


def unsubscribe_token(email: str) -> str:
    """Signed, so that nobody can unsubscribe someone else by guessing a link."""
    return signing.dumps(email, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_email(token: str, *, max_age: dt.timedelta | None = None) -> str:
    """The address a token was made for; raises ``django.core.signing.BadSignature`` otherwise."""
    email = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)
    if not isinstance(email, str):
        raise signing.BadSignature("not an unsubscribe token")
    return email


class EmailChannel:
    """One instance per batch: it keeps the SMTP connection open across sends; close it when done."""

    kind = ChannelKind.EMAIL

    def __init__(
        self,
        *,
        connection: BaseEmailBackend | None = None,
        from_email: str | None = None,
        unsubscribe_url: str | None = None,
    ) -> None:
        self.connection = get_connection(fail_silently=False) if connection is None else connection
        self.from_email = from_email or settings.CAUNOI_EMAIL_FROM
        self.unsubscribe_url = (
            settings.CAUNOI_EMAIL_UNSUBSCRIBE_URL if unsubscribe_url is None else unsubscribe_url
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # When the server has already gone away, nothing is lost by not saying goodbye.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.connection.close()

    def eligibility(self, recipient: Recipient, *, now: dt.datetime) -> Eligibility:
        try:
            validate_email(recipient.email)
        except ValidationError:
            return Eligibility(False, reason="no valid email address")
        return Eligibility(True, reason="email")

    def email_message(self, message: OutboundMessage) -> EmailMultiAlternatives:
        """The message as it goes out; either body is derived from the other when only one is written."""
        address = message.recipient.email
        sender = parseaddr(self.from_email)[1]
        token = unsubscribe_token(address)
        unsubscribe = [f"<mailto:{sender}?subject={quote('unsubscribe ' + token)}>"]
        headers = {"Message-ID": make_msgid(domain=sender.rpartition("@")[2] or str(DNS_NAME))}
        if self.unsubscribe_url:
            joiner = "&" if "?" in self.unsubscribe_url else "?"
            unsubscribe.insert(0, f"<{self.unsubscribe_url}{joiner}token={quote(token)}>")
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        headers["List-Unsubscribe"] = ", ".join(unsubscribe)
        if message.tracking_id:
            headers[TRACKING_HEADER] = message.tracking_id
        mail = EmailMultiAlternatives(
            subject=" ".join(message.subject.split()),  # a newline in a header would be refused
            body=message.text or html.unescape(strip_tags(message.html)),
            from_email=self.from_email,
            to=[address],
            headers=headers,
        )
        mail.attach_alternative(message.html or linebreaks(message.text, autoescape=True), "text/html")
        for attachment in message.attachments:
            if attachment.content:
                mail.attach(attachment.filename, attachment.content, attachment.content_type)
        return mail

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            validate_email(message.recipient.email)
        except ValidationError:
            return _failed(ErrorClass.PERMANENT, "invalid_address", "no valid email address")
        mail = self.email_message(message)
        try:
            self.connection.open()
            sent = self.connection.send_messages([mail])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return _failed(_class_of(code), str(code), _text(reply))
        except smtplib.SMTPResponseException as exc:
            self.close()  # the next send starts a fresh session rather than trust this one
            error_class = (
                ErrorClass.REAUTH
                if isinstance(exc, smtplib.SMTPAuthenticationError)
                else _class_of(exc.smtp_code)
            )
            return _failed(error_class, str(exc.smtp_code), _text(exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return _failed(ErrorClass.TRANSIENT, "connection", f"the mail server cannot be reached ({exc})")
        if not sent:
            return _failed(ErrorClass.TRANSIENT, "not_sent", "the mail backend did not send the message")
        return SendResult(provider_message_id=mail.extra_headers["Message-ID"])


def _class_of(smtp_code: int) -> ErrorClass:
    return ErrorClass.PERMANENT if 500 <= smtp_code < 600 else ErrorClass.TRANSIENT


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _failed(error_class: ErrorClass, code: str, message: str) -> SendResult:
    return SendResult(error=SendError(error_class, code, message), segments=0)


_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


def _returned_headers(report: Message) -> Message | None:
    """The headers of our original message, which a DSN returns whole or as headers only."""
    for part in report.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            return payload[0] if isinstance(payload, list) and isinstance(payload[0], Message) else None
        if part.get_content_type() == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            return BytesHeaderParser().parsebytes(raw) if isinstance(raw, bytes) else None
    return None


def _when(value: object) -> dt.datetime | None:
    """A header date; 8-bit junk in it comes as a ``Header`` object, hence ``str``."""
    try:
        return parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None


def parse_bounce(raw: bytes) -> InboundEvent | None:
    """A delivery status notification (RFC 3464) → an event for the message it is about.

    A failure or delay is FAILED with an ``error``: PERMANENT for a final failure (status 5.x.x),
    TRANSIENT for a delay (4.x.x); a success report is DELIVERED. Anything else in a bounce mailbox
    (auto-replies, spam) gives ``None``.
    """
    report = message_from_bytes(raw, policy=policy.compat32)
    if (
        report.get_content_type() != "multipart/report"
        or report.get_param("report-type") != "delivery-status"
    ):
        return None
    status_part = next((p for p in report.walk() if p.get_content_type() == "message/delivery-status"), None)
    payload = status_part.get_payload() if status_part else None
    blocks = [block for block in payload if isinstance(block, Message)] if isinstance(payload, list) else []
    if len(blocks) < 2:
        return None
    per_message, recipients = blocks[0], blocks[1:]
    failed = [block for block in recipients if str(block.get("Action", "")).lower() in ("failed", "delayed")]
    block = (failed or recipients)[0]
    action = str(block.get("Action", "")).strip().lower()
    status_match = _STATUS.search(str(block.get("Status", "")))
    status = status_match.group(0) if status_match else ""
    recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "").partition(";")[2]
    original = _returned_headers(report)
    details = {
        "action": action,
        "status": status,
        "recipient": recipient.strip(),
        "diagnostic": " ".join(str(block.get("Diagnostic-Code", "")).split()),
        "reporting_mta": str(per_message.get("Reporting-MTA", "")).partition(";")[2].strip(),
    }
    error = None
    if action in ("delivered", "relayed", "expanded"):
        kind = InboundKind.DELIVERED
    else:
        kind = InboundKind.FAILED
        permanent = action == "failed" and status.startswith("5")
        error = SendError(
            ErrorClass.PERMANENT if permanent else ErrorClass.TRANSIENT,
            status,
            details["diagnostic"] or action,
        )
    event_id = str(report.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest()
    return InboundEvent(
        channel=ChannelKind.EMAIL,
        kind=kind,
        external_event_id=f"email-dsn:{event_id}",
        external_user_id=recipient.strip(),
        occurred_at=_when(per_message.get("Arrival-Date")) or _when(report.get("Date")),
        provider_message_id=str(original.get("Message-ID", "")).strip() if original else "",
        tracking_id=str(original.get(TRACKING_HEADER, "")).strip() if original else "",
        error=error,
        raw=details,
    )
