"""The public web channel (trang công khai): what protects the contact form and names public posts.

The contact form is open to anyone, on our pages and framed in commune websites, so it needs spam
resistance without a third-party captcha (residents' browsers should talk to nobody else):

- a honeypot field people never see and bots fill in;
- a signed timestamp token: a form sent less than 3 s after it was shown was not written by a person,
  and one older than 2 h is refused (a token cannot be harvested once and replayed for days);
- two named token buckets: per client address (hashed, never stored) and per unit.

The buckets fail open: if the database cannot count, a resident's report matters more than the
little spam that might slip through, and the honeypot and the token still apply.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.text import slugify
from django.utils.translation import gettext as _

from caunoi.core.errors import ValidationFailed
from caunoi.core.middleware import content_security_policy
from caunoi.core.ratelimit import define_policy
from caunoi.core.text import strip_diacritics

MIN_FILL_SECONDS = 3.0
MAX_FORM_AGE_SECONDS = 2 * 3600.0
_CONTACT_SALT = "caunoi.channels.web.contact"
_RECEIPT_SALT = "caunoi.channels.web.receipt"
_RECEIPT_MAX_AGE = 24 * 3600
LOUDSPEAKER_DIR = "loudspeaker"  # under MEDIA_ROOT

CONTACT_PER_CLIENT = define_policy(
    "web_contact.client",
    capacity=settings.CAUNOI_CONTACT_LIMIT_PER_CLIENT,
    refill_seconds=3600,
    fail_open=True,
)
CONTACT_PER_UNIT = define_policy(
    "web_contact.unit",
    capacity=settings.CAUNOI_CONTACT_LIMIT_PER_UNIT,
    refill_seconds=3600,
    fail_open=True,
)


def contact_token(unit_code: str, *, now: float | None = None) -> str:
    """The hidden token a contact form carries: which unit's form, and when it was shown."""
    issued = round(time.time() if now is None else now, 3)
    return signing.dumps({"u": unit_code, "t": issued}, salt=_CONTACT_SALT)


def contact_token_check(token: str, unit_code: str, *, now: float | None = None) -> None:
    """Refuse a token that is forged, for another unit, sent too fast or too late."""
    now = time.time() if now is None else now
    invalid = ValidationFailed(_("The form could not be checked. Please send it again."), field="token")
    try:
        data = signing.loads(token, salt=_CONTACT_SALT)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or data.get("u") != unit_code:
        raise invalid
    issued = data.get("t")
    if not isinstance(issued, int | float) or issued > now + 60:
        raise invalid
    age = now - issued
    if age < MIN_FILL_SECONDS:
        raise ValidationFailed(
            _("That was sent faster than a person can write. Check your message and send it again."),
            field="token",
        )
    if age > MAX_FORM_AGE_SECONDS:
        raise ValidationFailed(
            _("The form was open for more than two hours. Please check your message and send it again."),
            field="token",
        )


def message_reference(provider_message_id: str) -> str:
    """Mã tiếp nhận: the short form of a web message's id, easy to read out over the phone."""
    short = provider_message_id.replace("-", "")[:8].upper()
    return f"{short[:4]}-{short[4:]}"


def receipt_token(reference: str) -> str:
    """The reference, signed, for the receipt page after the redirect (no session, no database)."""
    return signing.dumps(reference, salt=_RECEIPT_SALT)


def receipt_reference(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=_RECEIPT_SALT, max_age=_RECEIPT_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


RESERVED_SLUGS = frozenset({"contact"})  # paths of the public pages under a unit


def slug_base(title: str) -> str:
    """ "Lịch tiêm chủng đợt 2" → "lich-tiem-chung-dot-2": readable in a URL, đ included."""
    return slugify(strip_diacritics(title))[:70].strip("-") or "thong-bao"


@dataclass(frozen=True)
class EmbedPolicy:
    """Who may frame the embeddable form: the CSP header and whether X-Frame-Options is dropped."""

    csp: str
    x_frame_options: str | None


def embed_policy() -> EmbedPolicy:
    origins = list(settings.CAUNOI_EMBED_ALLOWED_ORIGINS)
    csp = content_security_policy(frame_ancestors=" ".join(["'self'", *origins]))
    # X-Frame-Options cannot name other origins, so it is left out when some are allowed.
    return EmbedPolicy(csp=csp, x_frame_options=None if origins else "SAMEORIGIN")
