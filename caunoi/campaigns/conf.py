"""Tunables of the delivery engine, read when used (so tests and workers can change them).

Each is a Django setting of the same name, else an environment variable, else the default below; the
lead may move them into ``caunoi/settings.py`` without changing the names.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings


def _raw(name: str, default: Any) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, default)


def _float(name: str, default: float) -> float:
    return float(_raw(name, default))


def _int(name: str, default: int) -> int:
    return int(_raw(name, default))


def _bool(name: str, default: bool) -> bool:
    value = _raw(name, default)
    return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes", "on"}


def batch_size() -> int:
    """Deliveries one sender claims at a time: small, so a pause or cancel takes hold quickly."""
    return _int("CAUNOI_CAMPAIGN_BATCH", 50)


def chunk_size() -> int:
    """Messages sent between two looks at the campaign's state (pause, cancel) and two recordings."""
    return _int("CAUNOI_CAMPAIGN_CHUNK", 40)


def senders() -> int:
    """Sender tasks started per campaign (they share the work through the claim)."""
    return _int("CAUNOI_CAMPAIGN_SENDERS", 2)


def send_threads() -> int:
    """Provider calls in flight at once per sender (HTTP round trips overlap; the database does not)."""
    return _int("CAUNOI_CAMPAIGN_SEND_THREADS", 8)


def max_attempts() -> int:
    return _int("CAUNOI_CAMPAIGN_MAX_ATTEMPTS", 6)


def retry_base_seconds() -> float:
    """First retry delay after a transient error; doubled on each attempt, with ±50 % jitter."""
    return _float("CAUNOI_CAMPAIGN_RETRY_BASE_SECONDS", 5.0)


def claim_lease() -> dt.timedelta:
    """After this long in ``sending`` a row's worker is taken for dead and the row is recovered."""
    return dt.timedelta(seconds=_float("CAUNOI_CAMPAIGN_LEASE_SECONDS", 600))


def rate_per_second(channel: str) -> float:
    """Sends per second per channel and Official Account; Zalo allows 4,000 calls/min per app."""
    defaults = {"zalo": 60.0, "zns": 20.0, "sms": 30.0, "email": 20.0}
    return _float(f"CAUNOI_CAMPAIGN_RATE_{channel.upper()}", defaults.get(channel, 10.0))


def quiet_hours() -> tuple[dt.time, dt.time]:
    """SMS quiet hours in Asia/Ho_Chi_Minh ("21:00-07:00"); emergencies ignore them."""
    raw = str(_raw("CAUNOI_SMS_QUIET_HOURS", "21:00-07:00"))
    start, end = (dt.time.fromisoformat(part.strip()) for part in raw.split("-", 1))
    return start, end


def alert_one_person_for_preapproved() -> bool:
    """A template marked pre-approved may be released by one person holding the release right."""
    return _bool("CAUNOI_ALERT_PREAPPROVED_ONE_PERSON", True)


def cancel_wait_seconds() -> float:
    """How long a cancel waits for in-flight sends to settle before it is acknowledged."""
    return _float("CAUNOI_CAMPAIGN_CANCEL_WAIT_SECONDS", 20.0)
