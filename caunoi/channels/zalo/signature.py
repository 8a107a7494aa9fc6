"""``X-ZEvent-Signature`` on Zalo webhooks (research §9.3): is this body from Zalo, and recent?

The MAC is a plain SHA-256 (not HMAC) of id + raw body + timestamp + secret, hex, after ``mac=``.
It must be computed on the bytes as received: re-serialising the JSON changes them. Sources
disagree on which secret (the OA secret key or the App secret) and which id (``app_id`` or
``oa_id``) go in, so the secret is the caller's setting and either id is accepted; ``signed_with``
says which one matched, to log.

Staleness comes from the body's ``timestamp`` (epoch ms). Zalo retries a failed delivery with the
very same body at 30 s, 5 min, 15 min, 30 min and 1 h (§9.2) — 1 h 50 min after the first try — so a
maximum age shorter than that would refuse Zalo's own retries and let it cancel the subscription.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from caunoi.channels.zalo.events import as_int, from_epoch_ms

HEADER = "X-ZEvent-Signature"
RETRY_HEADER = "num_retry"
DEFAULT_MAX_AGE_S = 3 * 3600.0  # beyond Zalo's whole retry schedule (6,630 s)


class SignatureError(Exception):
    """The request is not a webhook we can trust (answer 401)."""


class MissingSignature(SignatureError):
    pass


class BadSignature(SignatureError):
    pass


class StaleTimestamp(SignatureError):
    pass


class MalformedPayload(SignatureError):
    """The body is not a JSON object with a timestamp, so it cannot be checked at all (answer 400)."""


@dataclass(frozen=True)
class VerifiedEvent:
    payload: dict[str, Any] = field(repr=False)
    signed_with: Literal["app_id", "oa_id"]
    timestamp: dt.datetime
    num_retry: int  # 0 for the first delivery; Zalo's count of retries so far


def expected_mac(signer_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    return hashlib.sha256(signer_id.encode() + raw_body + timestamp.encode() + secret.encode()).hexdigest()


def verify(
    raw_body: bytes,
    headers: Mapping[str, str],
    *,
    app_id: str,
    secret: str,
    oa_id: str = "",
    max_age_seconds: float = DEFAULT_MAX_AGE_S,
    now: dt.datetime | None = None,
) -> VerifiedEvent:
    if not app_id or not secret:
        raise ValueError("app_id and secret are required")
    header = _header(headers, HEADER).strip()
    if not header:
        raise MissingSignature(f"no {HEADER} header")
    try:
        payload = json.loads(raw_body)
    except (ValueError, RecursionError) as exc:
        raise MalformedPayload(f"the body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("the body is not a JSON object")
    raw_timestamp = payload.get("timestamp")
    timestamp = from_epoch_ms(raw_timestamp)
    if timestamp is None:
        raise MalformedPayload("the body has no epoch-ms timestamp")

    given = (
        (header[4:] if header[:4].lower() == "mac=" else header).strip().lower().encode("utf-8", "replace")
    )
    signed_with: Literal["app_id", "oa_id"] | None = None
    candidates: list[tuple[Literal["app_id", "oa_id"], str]] = [("app_id", app_id)]
    if oa_id:
        candidates.append(("oa_id", oa_id))
    for name, signer in candidates:  # every candidate is compared, in constant time each
        if hmac.compare_digest(expected_mac(signer, raw_body, str(raw_timestamp), secret).encode(), given):
            signed_with = name
    if signed_with is None:
        raise BadSignature("the signature does not match")

    age = ((now or dt.datetime.now(dt.UTC)) - timestamp).total_seconds()
    if abs(age) > max_age_seconds:
        raise StaleTimestamp(f"timestamp is {age:.0f} s from now (limit {max_age_seconds:.0f} s)")
    return VerifiedEvent(
        payload=payload,
        signed_with=signed_with,
        timestamp=timestamp,
        num_retry=as_int(_header(headers, RETRY_HEADER)) or 0,
    )


def _header(headers: Mapping[str, str], name: str) -> str:
    """Header names are case-insensitive, whatever mapping the web framework hands over."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value
