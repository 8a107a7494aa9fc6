"""Named token-bucket rate limits (giới hạn tần suất), stored in the database so all processes share them.

Each policy says how many requests it lets through at once (``capacity``), how long the bucket takes to
fill again (``refill_seconds``) and what happens when the database cannot answer: ``fail_open`` lets the
request through (for limits that only keep spam down, where losing a resident's message is worse than
a little spam), otherwise it is refused (for limits that protect a paid quota or a provider).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from caunoi.core.models import RateLimitBucket

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimitPolicy:
    name: str
    capacity: int
    refill_seconds: float  # time for an empty bucket to fill up again
    fail_open: bool

    @property
    def refill_per_second(self) -> float:
        return self.capacity / self.refill_seconds


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: float
    retry_after: float = 0.0  # seconds until the request would be allowed


_policies: dict[str, RateLimitPolicy] = {}


def define_policy(name: str, *, capacity: int, refill_seconds: float, fail_open: bool) -> RateLimitPolicy:
    """Declare a policy once, at import time; its name keys the buckets, so it must be unique."""
    if capacity < 1 or refill_seconds <= 0:
        raise ValueError("a rate limit needs a capacity of at least 1 and a positive refill time")
    policy = RateLimitPolicy(name, capacity, refill_seconds, fail_open)
    if _policies.get(name, policy) != policy:
        raise ValueError(f"rate limit {name!r} is already defined differently")
    _policies[name] = policy
    return policy


def policies() -> dict[str, RateLimitPolicy]:
    return dict(_policies)


def rate_limit_take(
    policy: RateLimitPolicy, key: str, *, cost: float = 1.0, now: dt.datetime | None = None
) -> RateDecision:
    """Take ``cost`` tokens from the bucket of ``key`` if it holds them; the row lock makes it exact."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            bucket, _created = RateLimitBucket.objects.select_for_update().get_or_create(
                policy=policy.name, key=key[:128], defaults={"tokens": policy.capacity, "updated_at": now}
            )
            elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
            tokens = min(float(policy.capacity), bucket.tokens + elapsed * policy.refill_per_second)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            bucket.tokens, bucket.updated_at = tokens, max(now, bucket.updated_at)
            bucket.save(update_fields=["tokens", "updated_at"])
    except DatabaseError:
        logger.warning(
            "rate limit %s could not be checked; failing %s",
            policy.name,
            "open" if policy.fail_open else "closed",
            exc_info=True,
        )
        return RateDecision(
            allowed=policy.fail_open, remaining=0.0, retry_after=0 if policy.fail_open else 60
        )
    retry_after = 0.0 if allowed else (cost - tokens) / policy.refill_per_second
    return RateDecision(allowed=allowed, remaining=tokens, retry_after=retry_after)


def rate_limit_buckets_prune(*, now: dt.datetime | None = None) -> int:
    """Drop buckets that have filled up again: a full bucket and a missing one mean the same."""
    now = now or timezone.now()
    removed = 0
    for policy in _policies.values():
        cutoff = now - dt.timedelta(seconds=policy.refill_seconds)
        removed += RateLimitBucket.objects.filter(policy=policy.name, updated_at__lt=cutoff).delete()[0]
    stale = now - dt.timedelta(days=1)  # buckets of policies no longer defined
    removed += (
        RateLimitBucket.objects.exclude(policy__in=list(_policies)).filter(updated_at__lt=stale).delete()[0]
    )
    return removed


def client_address(request: HttpRequest) -> str:
    """The client's IP: behind ``CAUNOI_PROXY_COUNT`` trusted proxies it is in X-Forwarded-For."""
    proxies = settings.CAUNOI_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def client_key(address: str) -> str:
    """A bucket key for an IP address that does not store the address itself (it is personal data)."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
