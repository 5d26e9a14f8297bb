"""The auditor's health reading at audit time: unknown unless fresh (A-002, PART2-005)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.auditor.domain.health_view import health_at, health_available
from govmesh.schemas import HealthSignal, HealthStatus

from .factories import LOGS, T0

pytestmark = pytest.mark.unit

NOW = T0 + timedelta(minutes=3)


def _signal(scope: str, status: HealthStatus, valid_until: object) -> HealthSignal:
    return HealthSignal(
        scope=scope,
        status=status,
        source="baseline",
        reason="test",
        observed_at=T0,
        valid_until=valid_until,
    )


def test_A002_fresh_signals_are_read_with_their_status() -> None:
    signals = {
        "SYSTEM": _signal("SYSTEM", HealthStatus.HEALTHY, NOW + timedelta(seconds=15)),
        LOGS: _signal(LOGS, HealthStatus.DEGRADED, NOW),  # now == valid_until is still fresh
    }
    reading = health_at(signals, [LOGS, "SYSTEM", LOGS], NOW)
    assert reading == {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.DEGRADED}
    assert list(reading) == sorted(reading)
    assert health_available(reading) is True


@pytest.mark.parametrize(
    "signals",
    [
        {},
        {LOGS: _signal(LOGS, HealthStatus.HEALTHY, NOW - timedelta(microseconds=1))},
        {LOGS: _signal(LOGS, HealthStatus.UNKNOWN, NOW + timedelta(minutes=1))},
    ],
    ids=["no-signal", "stale", "unknown"],
)
def test_A002_missing_stale_or_unknown_health_is_unavailable(
    signals: dict[str, HealthSignal],
) -> None:
    system = _signal("SYSTEM", HealthStatus.HEALTHY, NOW + timedelta(minutes=1))
    reading = health_at({"SYSTEM": system, **signals}, ["SYSTEM", LOGS], NOW)
    assert reading[LOGS] is HealthStatus.UNKNOWN
    assert reading["SYSTEM"] is HealthStatus.HEALTHY
    assert health_available(reading) is False


def test_A002_reading_nothing_is_not_available() -> None:
    assert health_available({}) is False
