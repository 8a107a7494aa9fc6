"""Named token buckets in the database (giới hạn tần suất): burst, refill, fail open or closed, cleanup."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.test import RequestFactory, override_settings
from django.utils import timezone

from caunoi.core import ratelimit
from caunoi.core.models import RateLimitBucket
from caunoi.core.ratelimit import (
    client_address,
    client_key,
    define_policy,
    rate_limit_buckets_prune,
    rate_limit_take,
)

pytestmark = pytest.mark.django_db

OPEN = define_policy("test.open", capacity=3, refill_seconds=60, fail_open=True)
CLOSED = define_policy("test.closed", capacity=1, refill_seconds=10, fail_open=False)


def test_a_bucket_lets_a_burst_through_then_refills_with_time():
    now = timezone.now()

    burst = [rate_limit_take(OPEN, "k", now=now).allowed for _ in range(4)]
    refused = rate_limit_take(OPEN, "k", now=now)
    after_20s = rate_limit_take(OPEN, "k", now=now + dt.timedelta(seconds=20))

    assert burst == [True, True, True, False]
    assert not refused.allowed and refused.retry_after == pytest.approx(20)
    assert after_20s.allowed  # one token every 20 s
    assert rate_limit_take(OPEN, "other", now=now).allowed  # buckets are per key
    assert RateLimitBucket.objects.filter(policy="test.open").count() == 2


def test_a_bucket_never_holds_more_than_its_capacity():
    now = timezone.now()
    rate_limit_take(OPEN, "k", now=now)

    later = now + dt.timedelta(days=1)
    allowed = [rate_limit_take(OPEN, "k", now=later).allowed for _ in range(4)]

    assert allowed == [True, True, True, False]


def test_when_the_database_cannot_count_a_policy_fails_open_or_closed_as_it_says(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(RateLimitBucket.objects, "select_for_update", broken)

    assert rate_limit_take(OPEN, "k").allowed
    closed = rate_limit_take(CLOSED, "k")
    assert not closed.allowed and closed.retry_after == 60
    assert "rate limit test.open could not be checked; failing open" in caplog.text
    assert "rate limit test.closed could not be checked; failing closed" in caplog.text


def test_a_policy_name_cannot_be_reused_for_different_limits():
    assert define_policy("test.open", capacity=3, refill_seconds=60, fail_open=True) == OPEN
    with pytest.raises(ValueError, match="already defined"):
        define_policy("test.open", capacity=30, refill_seconds=60, fail_open=True)
    with pytest.raises(ValueError):
        define_policy("test.bad", capacity=0, refill_seconds=60, fail_open=True)


def test_full_buckets_and_those_of_unknown_policies_are_pruned():
    now = timezone.now()
    rate_limit_take(OPEN, "busy", now=now)
    rate_limit_take(OPEN, "idle", now=now - dt.timedelta(minutes=2))  # full again after 60 s
    RateLimitBucket.objects.create(
        policy="gone.policy", key="x", tokens=0, updated_at=now - dt.timedelta(days=2)
    )

    assert rate_limit_buckets_prune(now=now) == 2
    assert list(RateLimitBucket.objects.values_list("key", flat=True)) == ["busy"]
    assert "gone.policy" not in ratelimit.policies()


def test_the_client_address_comes_from_the_trusted_proxy_hop_only():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")

    assert client_address(request) == "10.0.0.2"  # no proxy trusted: the header may be forged
    with override_settings(CAUNOI_PROXY_COUNT=1):
        assert client_address(request) == "203.0.113.7"
    with override_settings(CAUNOI_PROXY_COUNT=2):
        assert client_address(request) == "1.2.3.4"
    assert client_key("203.0.113.7") != client_key("203.0.113.8")
    assert "203.0.113.7" not in client_key("203.0.113.7")
