"""The combination rule (PART2-005): override > worst firing alert > HEALTHY baseline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.health.domain import (
    AlertMapping,
    Assessment,
    HealthState,
    Override,
    map_alert,
    worst,
)
from govmesh.schemas import HealthStatus
from tests.unit.health.factories import NOW, alert, payload

pytestmark = pytest.mark.unit

H, D, U = HealthStatus.HEALTHY, HealthStatus.DEGRADED, HealthStatus.UNHEALTHY
MAPPING = AlertMapping()


def fire(state: HealthState, **kwargs: str) -> HealthState:
    return state.observe(map_alert(alert(**kwargs), MAPPING), NOW)


def override(scope: str, status: HealthStatus, minutes: int = 30) -> Override:
    return Override(
        scope=scope,
        status=status,
        reason="maintenance",
        operator="alice",
        set_at=NOW,
        expires_at=NOW + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [([], H), ([D], D), ([D, U, D], U), ([U, D], U), ([H, D], D)],
)
def test_PART2_005_worst_of(statuses, expected) -> None:
    assert worst(statuses) == expected


def test_PART2_005_no_alert_no_override_is_healthy_from_baseline() -> None:
    assert HealthState().assess("SYSTEM", NOW) == Assessment(
        H, "baseline", "no firing alert and no override"
    )


def test_PART2_005_worst_active_alert_of_the_scope_wins_and_names_its_source() -> None:
    state = HealthState()
    for observed in payload("firing_mixed_severities").alerts:
        state = state.observe(map_alert(observed, MAPPING), NOW)
    search = state.assess("LOG_SEARCH", NOW)
    assert (search.status, search.source) == (U, "alertmanager:SearchIndexDown")
    assert search.reason == (
        "2 firing alerts, worst SearchIndexDown (critical): LOG_SEARCH index unreachable"
    )
    system = state.assess("SYSTEM", NOW)
    assert (system.status, system.source) == (D, "alertmanager:KafkaConsumerLagHigh")
    # Alerts of one scope never leak into another.
    assert state.assess("LOGS_LIST", NOW).status == H


def test_PART2_005_equal_alerts_tie_break_on_earliest_start() -> None:
    state = fire(
        HealthState(),
        fingerprint="b",
        alertname="Later",
        severity="warning",
        starts_at="2025-06-02T08:59:00Z",
    )
    state = fire(
        state,
        fingerprint="a",
        alertname="Earlier",
        severity="warning",
        starts_at="2025-06-02T08:10:00Z",
    )
    assert state.assess("SYSTEM", NOW).source == "alertmanager:Earlier"


def test_PART2_005_resolved_alert_clears_by_fingerprint_only() -> None:
    state = fire(HealthState(), fingerprint="one", capability="LOGS_LIST", severity="critical")
    state = fire(state, fingerprint="two", capability="LOGS_LIST", severity="warning")
    state = state.observe(map_alert(alert("resolved", fingerprint="one"), MAPPING), NOW)
    assert state.assess("LOGS_LIST", NOW).status == D
    state = state.observe(map_alert(alert("resolved", fingerprint="two"), MAPPING), NOW)
    assert state.assess("LOGS_LIST", NOW).source == "baseline"


def test_PART2_005_resolution_of_an_unknown_alert_changes_nothing() -> None:
    state = fire(HealthState(), fingerprint="one", severity="critical")
    after = state.observe(map_alert(alert("resolved", fingerprint="other"), MAPPING), NOW)
    assert after == state


def test_PART2_005_fixture_firing_then_resolved_round_trip() -> None:
    state = HealthState().observe(
        map_alert(payload("firing_capability_critical").alerts[0], MAPPING), NOW
    )
    assert state.assess("LOGS_LIST", NOW).status == U
    state = state.observe(
        map_alert(payload("resolved_capability_critical").alerts[0], MAPPING), NOW
    )
    assert state.assess("LOGS_LIST", NOW).status == H


def test_PART2_005_refiring_keeps_the_first_receipt_time() -> None:
    state = fire(HealthState(), fingerprint="one", severity="critical")
    later = state.observe(
        map_alert(alert(fingerprint="one", severity="critical"), MAPPING), NOW + timedelta(hours=4)
    )
    assert later.alerts["one"].received_at == NOW
    assert len(later.alerts) == 1


def test_PART2_005_firing_alert_does_not_expire_by_itself() -> None:
    state = fire(HealthState(), fingerprint="one", severity="critical")
    assert state.assess("SYSTEM", NOW + timedelta(days=2)).status == U


def test_PART2_005_unexpired_override_wins_over_alerts_even_when_better() -> None:
    state = fire(HealthState(), capability="LOGS_LIST", severity="critical")
    state = state.with_override(override("LOGS_LIST", H))
    value = state.assess("LOGS_LIST", NOW + timedelta(minutes=29))
    assert (value.status, value.source) == (H, "override:alice")
    assert value.reason.startswith("maintenance (until 2025-06-02T09:30:00")


def test_PART2_005_expired_override_falls_back_to_alerts_then_baseline() -> None:
    state = fire(HealthState(), capability="LOGS_LIST", severity="critical")
    state = state.with_override(override("LOGS_LIST", D)).with_override(override("SYSTEM", U))
    at_expiry = NOW + timedelta(minutes=30)
    assert state.assess("LOGS_LIST", at_expiry).source == "alertmanager:TestAlert"
    assert state.assess("SYSTEM", at_expiry).source == "baseline"
    assert state.assess("SYSTEM", at_expiry - timedelta(microseconds=1)).status == U


def test_PART2_005_expire_forgets_only_expired_overrides_and_next_expiry_follows() -> None:
    state = HealthState().with_override(override("A", D, 10)).with_override(override("B", U, 20))
    assert state.next_expiry(NOW) == NOW + timedelta(minutes=10)
    later = state.expire(NOW + timedelta(minutes=10))
    assert set(later.overrides) == {"B"}
    assert later.next_expiry(NOW + timedelta(minutes=10)) == NOW + timedelta(minutes=20)
    assert later.expire(NOW + timedelta(minutes=21)).next_expiry(NOW) is None


def test_PART2_005_a_new_override_replaces_the_old_and_can_be_cleared() -> None:
    state = HealthState().with_override(override("A", D)).with_override(override("A", U))
    assert state.assess("A", NOW).status == U
    assert state.without_override("A").assess("A", NOW).source == "baseline"


def test_PART2_005_scopes_are_system_registry_alert_and_override_scopes() -> None:
    state = HealthState().with_scopes(["LOGS_LIST", "SYSTEM"])
    state = fire(state, capability="alert_only", severity="warning")
    state = state.with_override(override("OVERRIDE_ONLY", D))
    assert state.scopes() == ("SYSTEM", "ALERT_ONLY", "LOGS_LIST", "OVERRIDE_ONLY")
    assert HealthState().scopes() == ("SYSTEM",)


def test_PART2_005_a_scope_named_by_an_alert_stays_published_after_it_resolves() -> None:
    state = fire(HealthState(), fingerprint="x", capability="NOT_IN_REGISTRY", severity="critical")
    state = state.observe(map_alert(alert("resolved", fingerprint="x"), MAPPING), NOW)
    assert "NOT_IN_REGISTRY" in state.scopes()
    assert state.assess("NOT_IN_REGISTRY", NOW).source == "baseline"
