"""The auditor's own health reading at audit time (A-002, PART2-005).

A scope's health is known only from a fresh signal (`now <= valid_until`) whose status is
not UNKNOWN; no signal, a stale one or UNKNOWN all read as UNKNOWN, never as a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from govmesh.schemas import HealthSignal, HealthStatus


def health_at(
    signals: Mapping[str, HealthSignal], scopes: Iterable[str], now: datetime
) -> dict[str, HealthStatus]:
    """Each scope's status from its newest signal, UNKNOWN where none is fresh at `now`."""
    reading: dict[str, HealthStatus] = {}
    for scope in sorted(set(scopes)):
        signal = signals.get(scope)
        fresh = signal is not None and now <= signal.valid_until
        reading[scope] = signal.status if signal is not None and fresh else HealthStatus.UNKNOWN
    return reading


def health_available(reading: Mapping[str, HealthStatus]) -> bool:
    """True when every scope read has a known status (A-002 is INCONCLUSIVE otherwise)."""
    return bool(reading) and all(status is not HealthStatus.UNKNOWN for status in reading.values())
