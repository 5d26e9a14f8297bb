"""The service layer on fakes: publish at once on a change, republish every heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.health import metrics
from govmesh.health.domain import Override
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import HealthStatus
from tests.unit.health.factories import NOW, payload
from tests.unit.health.fakes import Clock, Published, service

pytestmark = pytest.mark.unit


def gauge(scope: str) -> float:
    return metrics.STATUS.labels(scope)._value.get()


async def test_PART2_005_firing_alert_is_published_at_once_for_its_scope_only() -> None:
    published = Published()
    svc = service(Clock(), published)
    await svc.observe_scopes(["LOGS_LIST", "LOG_SEARCH"])
    assert set(published.last) == {"SYSTEM", "LOGS_LIST", "LOG_SEARCH"}
    outcome = await svc.receive(payload("firing_capability_critical"))
    assert outcome.published == ("LOGS_LIST",)
    signal = published.last["LOGS_LIST"]
    assert (signal.status, signal.source) == (HealthStatus.UNHEALTHY, "alertmanager:HighErrorRate")
    assert gauge("LOGS_LIST") == 2
    resolved = await svc.receive(payload("resolved_capability_critical"))
    assert resolved.published == ("LOGS_LIST",)
    assert published.last["LOGS_LIST"].source == "baseline"
    assert gauge("LOGS_LIST") == 0


async def test_PART2_005_a_repeated_notification_publishes_nothing_new() -> None:
    published = Published()
    svc = service(Clock(), published)
    await svc.receive(payload("firing_capability_critical"))
    batches = len(published.batches)
    again = await svc.receive(payload("firing_capability_critical"))
    assert again.published == ()
    assert len(published.batches) == batches


async def test_PART2_005_ignored_alerts_are_reported_and_counted() -> None:
    before = metrics.ALERTS_RECEIVED.labels("firing", "ignored")._value.get()
    svc = service(Clock(), Published())
    outcome = await svc.receive(payload("firing_mixed_severities"))
    assert [o.alertname for o in outcome.ignored] == ["Watchdog"]
    assert metrics.ALERTS_RECEIVED.labels("firing", "ignored")._value.get() == before + 1
    assert set(outcome.published) == {"SYSTEM", "LOG_SEARCH"}


async def test_PART2_005_heartbeat_republishes_every_scope_with_a_later_valid_until() -> None:
    clock, published = Clock(), Published()
    svc = service(clock, published)
    await svc.observe_scopes(["LOGS_LIST"])
    await svc.beat()
    first = published.last
    assert svc.started.is_set()
    clock.advance(seconds=5)
    await svc.beat()
    second = published.last
    assert set(second) == {"SYSTEM", "LOGS_LIST"}
    for scope in second:
        assert second[scope].valid_until == first[scope].valid_until + timedelta(seconds=5)
        assert second[scope].valid_until == second[scope].observed_at + timedelta(seconds=15)


async def test_PART2_005_override_publishes_at_once_and_its_expiry_is_published() -> None:
    clock, published = Clock(), Published()
    svc = service(clock, published)
    await svc.receive(payload("firing_capability_critical"))
    value = await svc.set_override(
        Override(
            "LOGS_LIST", HealthStatus.DEGRADED, "failover", "alice", NOW, NOW + timedelta(minutes=1)
        )
    )
    assert (value.status, value.source) == (HealthStatus.DEGRADED, "override:alice")
    assert published.last["LOGS_LIST"].source == "override:alice"
    assert svc.next_expiry() == NOW + timedelta(minutes=1)
    clock.advance(minutes=1)
    assert await svc.publish_changes() == ("LOGS_LIST",)
    assert published.last["LOGS_LIST"].source == "alertmanager:HighErrorRate"
    assert svc.next_expiry() is None


async def test_PART2_005_clearing_an_override_publishes_and_a_missing_one_is_none() -> None:
    published = Published()
    svc = service(Clock(), published)
    assert await svc.clear_override("SYSTEM") is None
    await svc.set_override(
        Override("SYSTEM", HealthStatus.UNHEALTHY, "drill", "alice", NOW, NOW + timedelta(hours=1))
    )
    cleared = await svc.clear_override("SYSTEM")
    assert cleared is not None and cleared.source == "baseline"
    assert published.last["SYSTEM"].source == "baseline"


async def test_PART2_005_a_failed_publish_is_retried_by_the_next_change_or_heartbeat() -> None:
    published = Published()
    svc = service(Clock(), published)
    published.fail = True
    with pytest.raises(RetryableError):
        await svc.receive(payload("firing_capability_critical"))
    published.fail = False
    assert await svc.publish_changes() == ("SYSTEM", "LOGS_LIST")
    assert published.last["LOGS_LIST"].status == HealthStatus.UNHEALTHY


async def test_PART2_005_view_names_the_source_alerts_and_override_of_every_scope() -> None:
    clock = Clock()
    svc = service(clock, Published())
    await svc.receive(payload("firing_capability_critical"))
    await svc.set_override(
        Override("SYSTEM", HealthStatus.DEGRADED, "drill", "alice", NOW, NOW + timedelta(hours=1))
    )
    rows = {row["scope"]: row for row in svc.view()}
    assert rows["LOGS_LIST"]["source"] == "alertmanager:HighErrorRate"
    assert rows["LOGS_LIST"]["alerts"][0]["fingerprint"] == "5f1d3c6a9b2e7f40"
    assert rows["SYSTEM"]["override"]["operator"] == "alice"
    assert rows["SYSTEM"]["valid_until"] == (NOW + timedelta(seconds=15)).isoformat()
    clock.advance(hours=1)
    assert {row["scope"]: row for row in svc.view()}["SYSTEM"]["override"] is None


async def test_PART2_005_resolution_on_a_scope_outside_the_registry_publishes_healthy() -> None:
    published = Published()
    svc = service(Clock(), published)
    await svc.receive(payload("firing_capability_critical"))
    assert published.last["LOGS_LIST"].status == HealthStatus.UNHEALTHY
    await svc.receive(payload("resolved_capability_critical"))
    assert published.last["LOGS_LIST"].status == HealthStatus.HEALTHY
