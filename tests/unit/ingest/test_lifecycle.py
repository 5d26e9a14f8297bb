"""Issue lifecycle (SPEC §2): RECEIVED -> VALIDATING -> VALIDATED | VALIDATION_FAILED;
RECEIVED -> INVALID; the last two are terminal."""

from __future__ import annotations

import itertools

import pytest

from govmesh.ingest.adapters.migrations import ingest_0001_issues as migration
from govmesh.ingest.domain import (
    INITIAL,
    TERMINAL,
    TRANSITIONS,
    IssueStatus,
    IssueTransitionRefused,
    path_to,
    transition,
)

pytestmark = pytest.mark.unit

S = IssueStatus


def test_lifecycle_table_is_the_spec() -> None:
    assert INITIAL is S.RECEIVED
    assert {(a, b) for a, b in TRANSITIONS} == {
        (S.RECEIVED, S.VALIDATING),
        (S.VALIDATING, S.VALIDATED),
        (S.VALIDATING, S.VALIDATION_FAILED),
        (S.RECEIVED, S.INVALID),
    }
    assert {S.VALIDATION_FAILED, S.INVALID} == TERMINAL


@pytest.mark.parametrize(("current", "target"), sorted(TRANSITIONS))
def test_lifecycle_allowed_transition(current: IssueStatus, target: IssueStatus) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [p for p in itertools.product(S, S) if p not in TRANSITIONS],
)
def test_lifecycle_every_other_transition_is_refused(
    current: IssueStatus, target: IssueStatus
) -> None:
    with pytest.raises(IssueTransitionRefused, match=f"{current.value} -> {target.value}"):
        transition(current, target)


def test_lifecycle_terminal_states_have_no_way_out() -> None:
    assert not [pair for pair in TRANSITIONS if pair[0] in TERMINAL]


def test_lifecycle_migration_seeds_the_same_table_and_statuses() -> None:
    assert set(migration.TRANSITIONS) == {(a.value, b.value) for a, b in TRANSITIONS}
    assert set(migration.STATUSES) == {s.value for s in S}


def test_lifecycle_path_to_a_verdict_goes_through_validating() -> None:
    S = IssueStatus
    assert path_to(S.RECEIVED, S.VALIDATING) == [(S.RECEIVED, S.VALIDATING)]
    assert path_to(S.VALIDATING, S.VALIDATED) == [(S.VALIDATING, S.VALIDATED)]
    # A verdict that overtakes the hand-over still records both steps, in order.
    assert path_to(S.RECEIVED, S.VALIDATION_FAILED) == [
        (S.RECEIVED, S.VALIDATING),
        (S.VALIDATING, S.VALIDATION_FAILED),
    ]
    assert path_to(S.VALIDATED, S.VALIDATED) == []


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (IssueStatus.VALIDATED, IssueStatus.VALIDATING),
        (IssueStatus.VALIDATION_FAILED, IssueStatus.VALIDATED),
        (IssueStatus.INVALID, IssueStatus.VALIDATING),
        (IssueStatus.VALIDATING, IssueStatus.INVALID),
    ],
)
def test_lifecycle_path_to_refuses_going_back_or_out_of_a_terminal_status(
    current: IssueStatus, target: IssueStatus
) -> None:
    with pytest.raises(IssueTransitionRefused, match=f"{current.value} -> {target.value}"):
        path_to(current, target)
