"""The SPEC §7 job table, every allowed and every forbidden transition."""

from __future__ import annotations

import itertools

import pytest

from govmesh.executor.domain.errors import JobTransitionRefused
from govmesh.executor.domain.job_state import TERMINAL, TRANSITIONS, allowed_pairs, job_transition
from govmesh.schemas import JobStatus as S

pytestmark = pytest.mark.unit

SPEC_TABLE = {
    (S.PENDING, S.RUNNING),
    (S.PENDING, S.CANCELLED),
    (S.RUNNING, S.COMPLETED),
    (S.RUNNING, S.FAILED),
    (S.COMPLETED, S.AUDIT_PENDING),
    (S.FAILED, S.ROLLBACK_PENDING),
    (S.ROLLBACK_PENDING, S.ROLLED_BACK),
    (S.ROLLBACK_PENDING, S.ROLLBACK_FAILED),
}
FORBIDDEN = sorted(set(itertools.product(S, S)) - SPEC_TABLE)


def test_table_is_exactly_the_spec_table() -> None:
    assert allowed_pairs() == SPEC_TABLE
    assert set(TRANSITIONS) == set(S)
    assert {S.CANCELLED, S.ROLLED_BACK, S.ROLLBACK_FAILED} == TERMINAL


@pytest.mark.parametrize(("current", "target"), sorted(SPEC_TABLE))
def test_allowed_transition_is_accepted(current: S, target: S) -> None:
    assert job_transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden_transition_is_refused_with_a_rule(current: S, target: S) -> None:
    with pytest.raises(JobTransitionRefused) as refused:
        job_transition(current, target)
    assert refused.value.rule in {"JOB-TERMINAL", "JOB-TABLE", "SM-002", "JOB-005", "JOB-003"}
    assert not refused.value.retryable


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
@pytest.mark.parametrize("target", list(S))
def test_terminal_job_never_changes(terminal: S, target: S) -> None:
    with pytest.raises(JobTransitionRefused) as refused:
        job_transition(terminal, target)
    assert refused.value.rule == "JOB-TERMINAL"


@pytest.mark.parametrize("current", [S.PENDING, S.RUNNING, S.FAILED, S.ROLLBACK_PENDING])
def test_SM002_audit_only_for_a_completed_job(current: S) -> None:
    with pytest.raises(JobTransitionRefused) as refused:
        job_transition(current, S.AUDIT_PENDING)
    assert refused.value.rule == "SM-002"


@pytest.mark.parametrize("target", [s for s in S if s is not S.AUDIT_PENDING])
def test_JOB005_completed_job_always_goes_to_audit(target: S) -> None:
    with pytest.raises(JobTransitionRefused) as refused:
        job_transition(S.COMPLETED, target)
    assert refused.value.rule == "JOB-005"
    assert job_transition(S.COMPLETED, S.AUDIT_PENDING) is S.AUDIT_PENDING


@pytest.mark.parametrize("target", [s for s in S if s not in {S.ROLLBACK_PENDING, S.AUDIT_PENDING}])
def test_JOB003_failed_job_always_goes_to_rollback(target: S) -> None:
    with pytest.raises(JobTransitionRefused) as refused:
        job_transition(S.FAILED, target)
    assert refused.value.rule == "JOB-003"


def test_audit_pending_job_is_settled() -> None:
    for target in S:
        with pytest.raises(JobTransitionRefused):
            job_transition(S.AUDIT_PENDING, target)


def test_refusal_names_the_transition_and_the_alternatives() -> None:
    with pytest.raises(JobTransitionRefused) as refused:
        job_transition(S.PENDING, S.COMPLETED)
    assert refused.value.rule == "JOB-TABLE"
    assert "PENDING → COMPLETED" in str(refused.value)
    assert "CANCELLED, RUNNING" in str(refused.value)
