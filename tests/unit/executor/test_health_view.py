"""Folding health signals into the executor's read-only view (JOB-002, PART2-005)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.executor.domain.health_gate import (
    EMPTY_HEALTH_VIEW,
    apply_health,
    health_gate,
    health_snapshot,
)
from govmesh.schemas import HealthStatus

from .factories import LOGS, T0, health_signal

pytestmark = pytest.mark.unit


def test_apply_health_records_status_validity_and_source() -> None:
    signal = health_signal("SYSTEM", HealthStatus.DEGRADED)
    view = apply_health(EMPTY_HEALTH_VIEW, signal)
    entry = view["SYSTEM"]
    assert (entry.status, entry.valid_until, entry.source) == (
        HealthStatus.DEGRADED,
        signal.valid_until,
        "probe",
    )
    assert EMPTY_HEALTH_VIEW == {}


def test_newer_signal_replaces_older() -> None:
    view = apply_health(EMPTY_HEALTH_VIEW, health_signal("SYSTEM", observed_at=T0))
    view = apply_health(
        view, health_signal("SYSTEM", HealthStatus.UNHEALTHY, observed_at=T0 + timedelta(seconds=1))
    )
    assert view["SYSTEM"].status is HealthStatus.UNHEALTHY


def test_late_older_signal_never_replaces_newer() -> None:
    view = apply_health(
        EMPTY_HEALTH_VIEW, health_signal("SYSTEM", HealthStatus.UNHEALTHY, observed_at=T0)
    )
    late = apply_health(view, health_signal("SYSTEM", observed_at=T0 - timedelta(seconds=1)))
    assert late["SYSTEM"].status is HealthStatus.UNHEALTHY


def test_view_is_immutable() -> None:
    view = apply_health(EMPTY_HEALTH_VIEW, health_signal("SYSTEM"))
    with pytest.raises(TypeError):
        view["SYSTEM"] = view["SYSTEM"]  # type: ignore[index]


def test_JOB002_gate_reports_the_blocking_scope() -> None:
    view = apply_health(EMPTY_HEALTH_VIEW, health_signal("SYSTEM"))
    view = apply_health(view, health_signal(LOGS, HealthStatus.UNHEALTHY))
    assert health_gate(view, LOGS, T0) == f"{LOGS} is UNHEALTHY (source probe)"
    assert health_gate(view, "SYSTEM", T0) is None


def test_snapshot_reports_missing_and_stale_as_unknown() -> None:
    view = apply_health(
        EMPTY_HEALTH_VIEW, health_signal("SYSTEM", HealthStatus.DEGRADED, observed_at=T0)
    )
    view = apply_health(view, health_signal("OLD", observed_at=T0 - timedelta(hours=1)))
    assert health_snapshot(view, [LOGS, "OLD"], T0) == {
        "SYSTEM": HealthStatus.DEGRADED,
        LOGS: HealthStatus.UNKNOWN,
        "OLD": HealthStatus.UNKNOWN,
    }
