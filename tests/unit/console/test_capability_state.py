"""PART2-005 on the console: the effective state of a capability, health > lifecycle > qualifier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govmesh.console.domain.capability_state import (
    NO_SOURCE,
    EffectiveState,
    Freshness,
    Level,
    capability_state,
    capability_states,
)
from govmesh.schemas import SYSTEM_SCOPE, HealthSignal, HealthStatus, Lifecycle, RegistryState
from tests.unit.console.factories import T0, health_signal, registry_record

pytestmark = pytest.mark.unit

NOW = T0 + timedelta(minutes=10)


@pytest.mark.parametrize("status", [HealthStatus.UNHEALTHY, HealthStatus.DEGRADED])
@pytest.mark.parametrize("lifecycle", list(Lifecycle))
def test_PART2_005_health_other_than_healthy_dominates_any_lifecycle(
    status: HealthStatus, lifecycle: Lifecycle
) -> None:
    state = capability_state(
        "LOGS_LIST",
        health_signal("LOGS_LIST", status, source="alert:HighErrorRate"),
        registry_record("LOGS_LIST", lifecycle=lifecycle, qualifier="beta"),
        NOW,
    )
    assert (state.state, state.decided_by) == (EffectiveState(status.value), Level.HEALTH)
    assert state.health.source == "alert:HighErrorRate"
    # The lifecycle is still shown, it just does not decide.
    assert state.lifecycle.state == EffectiveState(lifecycle.value)


def test_PART2_005_unhealthy_dominates_a_disabled_or_frozen_record() -> None:
    unhealthy = health_signal("LOGS_LIST", HealthStatus.UNHEALTHY)
    for record in (
        registry_record("LOGS_LIST", enabled=False),
        registry_record("LOGS_LIST", frozen=True),
    ):
        state = capability_state("LOGS_LIST", unhealthy, record, NOW)
        assert (state.state, state.decided_by) == (EffectiveState.UNHEALTHY, Level.HEALTH)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (registry_record("X", lifecycle=Lifecycle.LAUNCHED), EffectiveState.LAUNCHED),
        (registry_record("X", lifecycle=Lifecycle.PREVIEW), EffectiveState.PREVIEW),
        (registry_record("X", lifecycle=Lifecycle.DEPRECATED), EffectiveState.DEPRECATED),
        (registry_record("X", lifecycle=None), EffectiveState.ENABLED),
        (registry_record("X", lifecycle=Lifecycle.LAUNCHED, frozen=True), EffectiveState.FROZEN),
        (registry_record("X", enabled=False, frozen=True), EffectiveState.DISABLED),
        (None, EffectiveState.UNREGISTERED),
    ],
)
def test_PART2_005_with_healthy_health_the_lifecycle_decides(
    record: RegistryState | None, expected: EffectiveState
) -> None:
    state = capability_state("X", health_signal("X", HealthStatus.HEALTHY), record, NOW)
    assert (state.state, state.decided_by) == (expected, Level.LIFECYCLE)
    assert state.health.status is HealthStatus.HEALTHY


@pytest.mark.parametrize("qualifier", ["LAUNCHED", "HEALTHY", "ga", "beta"])
def test_PART2_005_lifecycle_dominates_the_qualifier_which_only_refines(qualifier: str) -> None:
    record = registry_record("X", lifecycle=Lifecycle.DEPRECATED, qualifier=qualifier, revision=7)
    state = capability_state("X", health_signal("X", HealthStatus.HEALTHY), record, NOW)
    assert (state.state, state.decided_by) == (EffectiveState.DEPRECATED, Level.LIFECYCLE)
    assert state.refinement == qualifier
    assert (state.qualifier.value, state.qualifier.source) == (qualifier, "registry.state#7")
    # Nor can a qualifier lift unhealthy health.
    sick = capability_state("X", health_signal("X", HealthStatus.UNHEALTHY), record, NOW)
    assert sick.state is EffectiveState.UNHEALTHY


def test_PART2_005_a_stale_signal_is_unknown_even_when_it_said_healthy() -> None:
    signal = health_signal("X", HealthStatus.HEALTHY, source="baseline", valid_for_s=60)
    record = registry_record("X", lifecycle=Lifecycle.LAUNCHED)
    at_the_limit = capability_state("X", signal, record, signal.valid_until)
    assert at_the_limit.state is EffectiveState.LAUNCHED  # fresh iff now <= valid_until
    later = capability_state("X", signal, record, signal.valid_until + timedelta(microseconds=1))
    assert (later.state, later.decided_by) == (EffectiveState.UNKNOWN, Level.HEALTH)
    assert later.health.status is HealthStatus.UNKNOWN
    assert later.health.freshness is Freshness.STALE
    assert (later.health.reported, later.health.source) == (HealthStatus.HEALTHY, "baseline")


def test_PART2_005_no_signal_is_unknown_with_source_none_never_healthy() -> None:
    state = capability_state("X", None, registry_record("X", lifecycle=Lifecycle.LAUNCHED), NOW)
    assert (state.state, state.decided_by) == (EffectiveState.UNKNOWN, Level.HEALTH)
    assert (state.health.status, state.health.source) == (HealthStatus.UNKNOWN, NO_SOURCE)
    assert state.health.freshness is Freshness.NONE
    assert state.as_json()["health"]["source"] == "none"


def test_PART2_005_every_part_names_its_source() -> None:
    signal = health_signal("X", HealthStatus.HEALTHY, source="override:ops")
    record = registry_record("X", lifecycle=Lifecycle.PREVIEW, qualifier=None, revision=3)
    body = capability_state("X", signal, record, NOW).as_json()
    assert body["effective_state"] == "PREVIEW"
    assert body["decided_by"] == "lifecycle"
    assert body["health"]["source"] == "override:ops"
    assert body["lifecycle"]["source"] == "registry.state#3"
    assert body["qualifier"] == {"value": None, "source": "registry.state#3"}
    unregistered = capability_state("X", signal, None, NOW).as_json()
    assert (unregistered["lifecycle"]["source"], unregistered["qualifier"]["source"]) == (
        "none",
        "none",
    )


def test_PART2_005_lists_registry_and_health_scopes_sorted_without_system() -> None:
    registry = {
        n: registry_record(n, lifecycle=Lifecycle.LAUNCHED) for n in ("ZETA", "ALPHA", SYSTEM_SCOPE)
    }
    health = {n: health_signal(n, HealthStatus.HEALTHY) for n in ("ALPHA", "ORPHAN", SYSTEM_SCOPE)}
    states = capability_states(registry, health, NOW)
    assert [(s.name, s.state) for s in states] == [
        ("ALPHA", EffectiveState.LAUNCHED),
        ("ORPHAN", EffectiveState.UNREGISTERED),
        ("ZETA", EffectiveState.UNKNOWN),
    ]


_STATUS = st.sampled_from(list(HealthStatus))
_LIFECYCLE = st.sampled_from([None, *Lifecycle])


@given(
    status=st.none() | _STATUS,
    lifecycle=_LIFECYCLE,
    enabled=st.booleans(),
    frozen=st.booleans(),
    qualifier=st.none() | st.text(max_size=8),
    age_s=st.integers(min_value=0, max_value=600),
)
def test_PART2_005_deterministic_and_dominance_holds_for_any_inputs(
    status: HealthStatus | None,
    lifecycle: Lifecycle | None,
    enabled: bool,
    frozen: bool,
    qualifier: str | None,
    age_s: int,
) -> None:
    signal: HealthSignal | None = (
        None if status is None else health_signal("X", status, valid_for_s=300)
    )
    record = registry_record(
        "X", lifecycle=lifecycle, enabled=enabled, frozen=frozen, qualifier=qualifier
    )
    now = T0 + timedelta(seconds=age_s)
    first = capability_state("X", signal, record, now)
    assert first == capability_state("X", signal, record, now)
    assert first.as_json() == capability_state("X", signal, record, now).as_json()
    fresh = signal is not None and now <= signal.valid_until
    if not fresh or status is not HealthStatus.HEALTHY:
        assert first.decided_by is Level.HEALTH
        assert first.state.value == (status.value if fresh and status else "UNKNOWN")
    else:
        assert first.decided_by is Level.LIFECYCLE
        assert first.state is first.lifecycle.state
    # The qualifier never changes the state.
    other = record.model_copy(update={"qualifier": "something else"})
    assert capability_state("X", signal, other, now).state is first.state
