"""Signals, heartbeat validity and change detection (cross-service health agreement)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.health.domain import (
    Assessment,
    changed_scopes,
    is_fresh,
    metric_code,
    signal_for,
    validity,
)
from govmesh.schemas import HealthStatus
from tests.unit.health.factories import NOW

pytestmark = pytest.mark.unit

HEARTBEAT = timedelta(seconds=5)
BASE = Assessment(HealthStatus.HEALTHY, "baseline", "no firing alert and no override")


def test_PART2_005_signal_carries_value_source_and_three_heartbeats_of_validity() -> None:
    signal = signal_for("LOGS_LIST", BASE, NOW, HEARTBEAT)
    assert (signal.scope, signal.status, signal.source) == ("LOGS_LIST", "HEALTHY", "baseline")
    assert signal.observed_at == NOW
    assert signal.valid_until == NOW + timedelta(seconds=15) == NOW + validity(HEARTBEAT)


def test_PART2_005_signal_is_fresh_until_valid_until_inclusive_then_stale() -> None:
    signal = signal_for("SYSTEM", BASE, NOW, HEARTBEAT)
    assert is_fresh(signal, NOW + timedelta(seconds=15))
    assert not is_fresh(signal, NOW + timedelta(seconds=15, microseconds=1))


def test_PART2_005_each_heartbeat_moves_valid_until_later() -> None:
    first = signal_for("SYSTEM", BASE, NOW, HEARTBEAT)
    second = signal_for("SYSTEM", BASE, NOW + HEARTBEAT, HEARTBEAT)
    assert second.valid_until == first.valid_until + HEARTBEAT
    # Two missed heartbeats are tolerated, the third is not.
    assert is_fresh(first, NOW + 3 * HEARTBEAT)
    assert not is_fresh(first, NOW + 3 * HEARTBEAT + timedelta(milliseconds=1))


def test_PART2_005_changes_are_new_scopes_and_any_difference_in_value_source_or_reason() -> None:
    degraded = Assessment(HealthStatus.DEGRADED, "alertmanager:X", "X (warning)")
    published = {"SYSTEM": BASE, "A": degraded, "B": degraded}
    current = {
        "SYSTEM": BASE,
        "A": Assessment(HealthStatus.DEGRADED, "alertmanager:Y", "Y (warning)"),
        "B": Assessment(HealthStatus.DEGRADED, "alertmanager:X", "2 firing alerts, worst X"),
        "C": BASE,
    }
    assert changed_scopes(published, current) == ("A", "B", "C")
    assert changed_scopes(current, current) == ()


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (HealthStatus.HEALTHY, 0),
        (HealthStatus.DEGRADED, 1),
        (HealthStatus.UNHEALTHY, 2),
        (HealthStatus.UNKNOWN, 3),
    ],
)
def test_PART2_005_status_metric_codes(status, code) -> None:
    assert metric_code(status) == code
