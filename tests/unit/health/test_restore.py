"""Restart without loss (PART2-005): signals carry overrides and firing alerts, and the
state is rebuilt from the newest signal per scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.health.domain import (
    Assessment,
    HealthState,
    Override,
    newest_by_scope,
    restore,
    signal_for,
    snapshot_all,
)
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import HealthSignal, HealthStatus
from tests.unit.health.factories import NOW, payload
from tests.unit.health.fakes import Clock, Published, service

pytestmark = pytest.mark.unit

HEARTBEAT = timedelta(seconds=5)


def override(scope: str = "LOGS_LIST", minutes: float = 30) -> Override:
    return Override(
        scope=scope,
        status=HealthStatus.DEGRADED,
        reason="planned failover",
        operator="ops",
        set_at=NOW,
        expires_at=NOW + timedelta(minutes=minutes),
    )


def signals_of(state: HealthState) -> list[HealthSignal]:
    return [
        signal_for(
            scope, snap.assessment, NOW, HEARTBEAT, override=snap.override, alerts=snap.alerts
        )
        for scope, snap in snapshot_all(state, NOW).items()
    ]


async def state_with_alert_and_override() -> HealthState:
    svc = service(Clock(), Published())
    await svc.receive(payload("firing_capability_critical"))
    await svc.set_override(override())
    return svc.state


async def test_PART2_005_restore_rebuilds_override_alerts_and_scopes_from_signals() -> None:
    state = await state_with_alert_and_override()
    restored = restore(signals_of(state), NOW + timedelta(minutes=1))
    assert restored.overrides == state.overrides
    assert restored.alerts == state.alerts
    assert restored.known == state.known
    later = NOW + timedelta(minutes=1)
    assert restored.assess_all(later) == state.assess_all(later)


async def test_PART2_005_restore_drops_an_expired_override_but_keeps_the_firing_alert() -> None:
    state = await state_with_alert_and_override()
    after_expiry = NOW + timedelta(minutes=30)  # expires_at itself: no longer active
    restored = restore(signals_of(state), after_expiry)
    assert dict(restored.overrides) == {}
    assessment = restored.assess("LOGS_LIST", after_expiry)
    assert (assessment.status, assessment.source) == (
        HealthStatus.UNHEALTHY,
        "alertmanager:HighErrorRate",
    )


def test_PART2_005_restore_uses_the_newest_signal_of_each_scope() -> None:
    older = signals_of(HealthState().with_override(override()))
    newer = signal_for(
        "LOGS_LIST", Assessment(HealthStatus.HEALTHY, "baseline", "cleared"), NOW, HEARTBEAT
    )
    assert newest_by_scope([*older, newer])["LOGS_LIST"] is newer
    restored = restore([*older, newer], NOW)
    assert dict(restored.overrides) == {}
    assert "LOGS_LIST" in restored.known


def test_PART2_005_restore_of_signals_without_carried_state_knows_only_the_scopes() -> None:
    plain = HealthSignal(
        scope="LOG_SEARCH",
        status=HealthStatus.UNHEALTHY,
        source="probe:http",
        reason="down",
        observed_at=NOW,
        valid_until=NOW + HEARTBEAT,
    )
    restored = restore([plain], NOW)
    assert restored.known == frozenset({"SYSTEM", "LOG_SEARCH"})
    assert dict(restored.alerts) == {} and dict(restored.overrides) == {}


async def test_PART2_005_nothing_is_published_or_accepted_before_the_restore() -> None:
    published = Published()
    svc = service(Clock(), published, restored=False)
    await svc.observe_scopes(["LOGS_LIST"])
    assert published.batches == []
    with pytest.raises(RetryableError):
        await svc.receive(payload("firing_capability_critical"))
    with pytest.raises(RetryableError):
        await svc.set_override(override())
    with pytest.raises(RetryableError):
        await svc.beat()
    assert published.batches == []


async def test_PART2_005_a_restored_service_republishes_the_override_and_alert() -> None:
    carried = signals_of(await state_with_alert_and_override())
    clock, published = Clock(NOW + timedelta(minutes=1)), Published()
    svc = service(clock, published, restored=False)
    await svc.observe_scopes(["LOG_SEARCH"])
    await svc.restore(carried)
    assert svc.state.known >= {"LOGS_LIST", "LOG_SEARCH"}
    await svc.beat()
    signal = published.last["LOGS_LIST"]
    assert (signal.status, signal.source) == (HealthStatus.DEGRADED, "override:ops")
    assert signal.override is not None and signal.override.expires_at == override().expires_at
    assert [a.alertname for a in signal.alerts] == ["HighErrorRate"]
    # Once restored, a second restore (a late batch) changes nothing.
    await svc.restore([])
    assert "LOGS_LIST" in svc.state.overrides


async def test_PART2_005_a_change_of_carried_state_alone_is_published() -> None:
    published = Published()
    svc = service(Clock(), published)
    await svc.set_override(override())
    outcome = await svc.receive(payload("firing_capability_critical"))
    # The override still wins, yet the alert under it must reach the topic.
    assert outcome.published == ("LOGS_LIST",)
    signal = published.last["LOGS_LIST"]
    assert signal.source == "override:ops"
    assert [a.fingerprint for a in signal.alerts] == [next(iter(svc.state.alerts))]
