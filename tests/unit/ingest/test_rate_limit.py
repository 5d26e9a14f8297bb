"""RATE_LIMITED: a token bucket per caller, pure over the time passed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govmesh.ingest.domain import (
    ErrorCode,
    RateDecision,
    RateLimit,
    RateLimiter,
    rate_limited,
    take,
)
from tests.unit.ingest.factories import NOW

pytestmark = pytest.mark.unit


def test_RATE_LIMITED_after_the_burst_is_spent() -> None:
    limiter = RateLimiter(RateLimit(rate_per_s=1.0, burst=3))
    decisions = [limiter.check("k", NOW) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after_s == 1


def test_RATE_LIMITED_tokens_come_back_with_time() -> None:
    limiter = RateLimiter(RateLimit(rate_per_s=2.0, burst=1))
    assert limiter.check("k", NOW).allowed
    assert not limiter.check("k", NOW + timedelta(milliseconds=400)).allowed
    assert limiter.check("k", NOW + timedelta(milliseconds=500)).allowed


def test_RATE_LIMITED_retry_after_is_whole_seconds_until_a_token() -> None:
    limit = RateLimit(rate_per_s=0.1, burst=1)
    bucket, first = take(None, NOW, limit)
    assert first.allowed
    _, refused = take(bucket, NOW + timedelta(seconds=2.5), limit)
    assert not refused.allowed
    assert refused.retry_after_s == 8  # 0.75 of a token missing at 0.1 per second -> 7.5 s


def test_RATE_LIMITED_buckets_are_per_key() -> None:
    limiter = RateLimiter(RateLimit(rate_per_s=1.0, burst=1))
    assert limiter.check("a", NOW).allowed
    assert not limiter.check("a", NOW).allowed
    assert limiter.check("b", NOW).allowed


def test_RATE_LIMITED_clock_stepping_back_mints_no_tokens() -> None:
    limiter = RateLimiter(RateLimit(rate_per_s=1.0, burst=1))
    assert limiter.check("k", NOW).allowed
    assert not limiter.check("k", NOW - timedelta(hours=1)).allowed
    assert limiter.check("k", NOW + timedelta(seconds=1)).allowed


def test_RATE_LIMITED_refusal_names_the_wait() -> None:
    error = rate_limited(RateDecision(False, 7, 0), "X-API-Key")
    assert (error.error_code, error.field) == (ErrorCode.RATE_LIMITED, "X-API-Key")
    assert "7 s" in error.message


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_rate_limit_refuses_nonsense(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        RateLimit(rate_per_s=rate, burst=burst)


@given(
    rate=st.floats(min_value=0.1, max_value=100),
    burst=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=60),
)
def test_RATE_LIMITED_never_allows_more_than_burst_plus_refill(
    rate: float, burst: int, gaps: list[float]
) -> None:
    limiter = RateLimiter(RateLimit(rate_per_s=rate, burst=burst))
    now, allowed = NOW, 0
    for gap in gaps:
        now += timedelta(seconds=gap)
        decision = limiter.check("k", now)
        allowed += decision.allowed
        assert decision.allowed or decision.retry_after_s >= 1
    elapsed = (now - NOW).total_seconds()
    assert allowed <= burst + elapsed * rate + 1e-6
