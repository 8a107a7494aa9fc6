"""What keeps the comment form usable without a third-party captcha (as the public contact form does).

- a honeypot field people never see and bots fill in;
- a signed timestamp token bound to the publication: sent less than 3 s after the page was shown, it
  was not written by a person; older than 2 h, it is refused, so one token cannot be replayed for days;
- two named token buckets: per client address (hashed, never stored) and per publication.

The buckets fail open: losing a resident's comment is worse than the little spam that might slip
through, and every comment still waits for moderation before anyone else sees it.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from caunoi.core.errors import ValidationFailed
from caunoi.core.ratelimit import define_policy

MIN_FILL_SECONDS = 3.0
MAX_FORM_AGE_SECONDS = 2 * 3600.0
_SALT = "caunoi.disclosure.comment"

COMMENTS_PER_CLIENT = define_policy(
    "disclosure_comment.client",
    capacity=int(settings.CAUNOI_DISCLOSURE_COMMENTS_PER_CLIENT),
    refill_seconds=3600,
    fail_open=True,
)
COMMENTS_PER_PUBLICATION = define_policy(
    "disclosure_comment.publication",
    capacity=int(settings.CAUNOI_DISCLOSURE_COMMENTS_PER_PUBLICATION),
    refill_seconds=3600,
    fail_open=True,
)


def comment_token(publication_id: int, *, now: float | None = None) -> str:
    """The hidden token a comment form carries: which publication, and when the form was shown."""
    issued = round(time.time() if now is None else now, 3)
    return signing.dumps({"p": publication_id, "t": issued}, salt=_SALT)


def comment_token_check(token: str, publication_id: int, *, now: float | None = None) -> None:
    """Refuse a token that is forged, for another publication, sent too fast or too late."""
    now = time.time() if now is None else now
    invalid = ValidationFailed(_("The form could not be checked. Please send it again."), field="token")
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or data.get("p") != publication_id:
        raise invalid
    issued = data.get("t")
    if not isinstance(issued, int | float) or issued > now + 60:
        raise invalid
    age = now - issued
    if age < MIN_FILL_SECONDS:
        raise ValidationFailed(
            _("That was sent faster than a person can write. Check your comment and send it again."),
            field="token",
        )
    if age > MAX_FORM_AGE_SECONDS:
        raise ValidationFailed(
            _("The form was open for more than two hours. Please check your comment and send it again."),
            field="token",
        )
