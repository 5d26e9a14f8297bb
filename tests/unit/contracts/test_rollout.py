"""The rollout state machine re-homed in contracts (SPEC §9, SM-005, GATE-7)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govmesh.contracts.domain.rollout import (
    TABLE,
    TERMINAL,
    RolloutEvent,
    RolloutMove,
    RolloutRefused,
    RolloutState,
    allowed_pairs,
    bake_event,
    rollout_transition,
    verdict_event,
)
from govmesh.schemas import CheckOutcome, HealthStatus

from .factories import CAPABILITY as LOGS
from .factories import T0

pytestmark = pytest.mark.unit

S, E = RolloutState, RolloutEvent
SPEC_MOVES = {
    (S.PENDING, E.AUDIT_PASS): RolloutMove(S.DEPLOYED, incident=False),
    (S.DEPLOYED, E.BAKE_STABLE): RolloutMove(S.VERIFIED, incident=False),
    (S.DEPLOYED, E.BAKE_DEGRADED): RolloutMove(S.ESCALATED, incident=True),
    (S.PENDING, E.AUDIT_FAIL): RolloutMove(S.ROLLED_BACK, incident=True),
    (S.ROLLED_BACK, E.INCIDENT_OPENED): RolloutMove(S.INCIDENT, incident=False),
    (S.PENDING, E.AUDIT_INCONCLUSIVE): RolloutMove(S.ESCALATED, incident=False),
}
FORBIDDEN = sorted(set(itertools.product(S, E)) - set(SPEC_MOVES))
HEALTHY = {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.HEALTHY}


def test_table_is_exactly_the_spec() -> None:
    assert dict(TABLE) == SPEC_MOVES


@pytest.mark.parametrize(("state", "event"), sorted(SPEC_MOVES))
def test_allowed_rollout_move(state: RolloutState, event: RolloutEvent) -> None:
    assert rollout_transition(state, event) == SPEC_MOVES[(state, event)]


@pytest.mark.parametrize(("state", "event"), FORBIDDEN)
def test_forbidden_rollout_move_is_refused(state: RolloutState, event: RolloutEvent) -> None:
    with pytest.raises(RolloutRefused) as refused:
        rollout_transition(state, event)
    assert refused.value.rule == ("SM-005" if state is S.PENDING else "ROLLOUT-TABLE")


@pytest.mark.parametrize(
    ("verdict", "state"),
    [
        (CheckOutcome.PASS, S.DEPLOYED),
        (CheckOutcome.FAIL, S.ROLLED_BACK),
        (CheckOutcome.INCONCLUSIVE, S.ESCALATED),
    ],
)
def test_SM005_audit_verdict_drives_the_rollout(verdict: CheckOutcome, state: RolloutState) -> None:
    assert rollout_transition(S.PENDING, verdict_event(verdict)).to is state


def test_SM005_no_rollout_without_an_audit_verdict() -> None:
    with pytest.raises(RolloutRefused) as refused:
        verdict_event(None)
    assert refused.value.rule == "SM-005"


def test_audit_fail_rolls_back_then_opens_an_incident() -> None:
    move = rollout_transition(S.PENDING, E.AUDIT_FAIL)
    assert (move.to, move.incident) == (S.ROLLED_BACK, True)
    assert rollout_transition(move.to, E.INCIDENT_OPENED).to is S.INCIDENT


@settings(database=None)
@given(st.lists(st.sampled_from(list(E)), max_size=10))
def test_GATE7_deployed_only_through_an_audit_pass_and_terminal_never_changes(
    events: list[RolloutEvent],
) -> None:
    state = S.PENDING
    for event in events:
        try:
            move = rollout_transition(state, event)
        except RolloutRefused:
            continue
        assert state not in TERMINAL
        if move.to is S.DEPLOYED:
            assert (state, event) == (S.PENDING, E.AUDIT_PASS)
        if move.to is S.VERIFIED:
            assert state is S.DEPLOYED
        state = move.to


def test_bake_stable_for_the_bake_period_verifies() -> None:
    assert bake_event(HEALTHY, HEALTHY, T0, T0 + timedelta(minutes=5)) is E.BAKE_STABLE
    assert rollout_transition(S.DEPLOYED, E.BAKE_STABLE).to is S.VERIFIED


def test_bake_still_running_waits() -> None:
    assert bake_event(HEALTHY, HEALTHY, T0, T0 + timedelta(minutes=4, seconds=59)) is None


def test_bake_period_is_configurable() -> None:
    assert (
        bake_event(HEALTHY, HEALTHY, T0, T0 + timedelta(minutes=1), timedelta(minutes=1))
        is E.BAKE_STABLE
    )


@pytest.mark.parametrize(
    "current",
    [
        {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.DEGRADED},
        {"SYSTEM": HealthStatus.UNHEALTHY, LOGS: HealthStatus.HEALTHY},
        {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.UNKNOWN},
        {"SYSTEM": HealthStatus.HEALTHY},
    ],
)
def test_degradation_during_bake_escalates_with_incident(current: dict[str, HealthStatus]) -> None:
    event = bake_event(HEALTHY, current, T0, T0 + timedelta(minutes=1))
    assert event is E.BAKE_DEGRADED
    move = rollout_transition(S.DEPLOYED, event)
    assert (move.to, move.incident) == (S.ESCALATED, True)


def test_degradation_beats_an_elapsed_bake() -> None:
    degraded = {"SYSTEM": HealthStatus.DEGRADED, LOGS: HealthStatus.HEALTHY}
    assert bake_event(HEALTHY, degraded, T0, T0 + timedelta(hours=1)) is E.BAKE_DEGRADED


def test_improvement_during_bake_is_stable() -> None:
    baseline = {"SYSTEM": HealthStatus.DEGRADED}
    assert (
        bake_event(baseline, {"SYSTEM": HealthStatus.HEALTHY}, T0, T0 + timedelta(minutes=5))
        is E.BAKE_STABLE
    )


def test_allowed_pairs_are_the_table_moves() -> None:
    assert allowed_pairs() == {(state, move.to) for (state, _), move in SPEC_MOVES.items()}
