"""A token bucket per caller (RATE_LIMITED, SPEC §2), pure: time is passed in.

Each key holds up to `burst` tokens, refilled at `rate_per_s`; a submission takes one.
A refused caller is told how many whole seconds until a token is back (Retry-After).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from govmesh.ingest.domain.errors import ErrorCode, FieldError


@dataclass(frozen=True)
class RateLimit:
    """`rate_per_s` tokens come back every second, at most `burst` are held."""

    rate_per_s: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate_per_s <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs rate_per_s > 0 and burst >= 1")


@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: datetime


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_s: int
    remaining: int


def take(bucket: Bucket | None, now: datetime, limit: RateLimit) -> tuple[Bucket, RateDecision]:
    """Refill the bucket up to `now`, then take one token if there is one."""
    if bucket is None:
        tokens = float(limit.burst)
    else:
        # A clock that steps back must not mint tokens nor take them away.
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        tokens = min(float(limit.burst), bucket.tokens + elapsed * limit.rate_per_s)
    if tokens >= 1.0:
        left = tokens - 1.0
        return Bucket(left, now), RateDecision(True, 0, int(left))
    wait = max(1, math.ceil((1.0 - tokens) / limit.rate_per_s))
    return Bucket(tokens, now), RateDecision(False, wait, 0)


class RateLimiter:
    """Buckets by caller key. In-memory per process: each replica limits on its own."""

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._buckets: dict[str, Bucket] = {}

    def check(self, key: str, now: datetime) -> RateDecision:
        """Take a token for `key` at `now`; the decision says whether it was there."""
        bucket, decision = take(self._buckets.get(key), now, self._limit)
        self._buckets[key] = bucket
        return decision


def rate_limited(decision: RateDecision, field: str) -> FieldError:
    """The RATE_LIMITED refusal for a decision that was not allowed."""
    return FieldError(
        ErrorCode.RATE_LIMITED,
        field,
        f"too many submissions for this caller; retry after {decision.retry_after_s} s",
    )
