"""Pure rules of an ACTIVE contract's outcome (SPEC §5 step 10, §8, §9)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.contracts.domain import ContractRuleViolation, apply_audit_verdict, rollback_job_id
from govmesh.contracts.domain.outcome import (
    AuditState,
    IncidentKind,
    OutcomePolicy,
    audit_state,
    bake_scopes,
    check_audit_action,
    check_incident_ack,
    completed_with_rollback,
    fail_on_job,
    incident_id,
    next_bake_check,
    resolve_inconclusive,
    rollback_for,
)
from govmesh.schemas import (
    CheckOutcome,
    ContractStatus,
    FounderAction,
    StepRecord,
    StepStatus,
    StepType,
)
from govmesh.schemas.contracts import AuditState as ContractAudit

from .factories import HOUR, T0, active, completed, config_update, enable

pytestmark = pytest.mark.unit

A = FounderAction
V = CheckOutcome


@pytest.mark.parametrize(
    ("verdict", "reviewed", "timed_out", "state"),
    [
        (None, None, False, AuditState.PENDING),
        (None, None, True, AuditState.ESCALATED),
        (V.PASS, None, False, AuditState.PASS),
        (V.FAIL, None, False, AuditState.FAIL),
        (V.FAIL, A.ACKNOWLEDGE_AUDIT, False, AuditState.ACKNOWLEDGED),
        (V.INCONCLUSIVE, None, True, AuditState.ESCALATED),
        (V.INCONCLUSIVE, A.RESOLVE_AUDIT, False, AuditState.RESOLVED),
    ],
)
def test_audit_state_follows_verdict_and_review(
    verdict: CheckOutcome | None,
    reviewed: FounderAction | None,
    timed_out: bool,
    state: AuditState,
) -> None:
    assert audit_state(verdict, reviewed, timed_out=timed_out) is state


@pytest.mark.parametrize(
    ("action", "verdict"),
    [
        (A.RESOLVE_AUDIT, V.PASS),
        (A.RESOLVE_AUDIT, V.FAIL),
        (A.ACKNOWLEDGE_AUDIT, V.PASS),
        (A.ACKNOWLEDGE_AUDIT, V.INCONCLUSIVE),
    ],
)
def test_AUDIT004_pass_never_revoked_fail_never_overridden(
    action: FounderAction, verdict: CheckOutcome
) -> None:
    refusal = check_audit_action(action, verdict, already_reviewed=False, context="context")
    assert refusal is not None and refusal.rule == "AUDIT-004"


def test_AUDIT004_inconclusive_resolved_with_context_and_fail_acknowledged_once() -> None:
    ok = check_audit_action(A.RESOLVE_AUDIT, V.INCONCLUSIVE, already_reviewed=False, context="x")
    assert ok is None
    assert (
        check_audit_action(A.ACKNOWLEDGE_AUDIT, V.FAIL, already_reviewed=False, context=None)
        is None
    )
    bare = check_audit_action(A.RESOLVE_AUDIT, V.INCONCLUSIVE, already_reviewed=False, context=" ")
    assert bare is not None and bare.rule == "AUDIT-CONTEXT"
    again = check_audit_action(A.ACKNOWLEDGE_AUDIT, V.FAIL, already_reviewed=True, context="x")
    assert again is not None and again.rule == "AUDIT-REVIEWED"


def test_job_failure_fails_an_active_contract_but_never_a_terminal_one() -> None:
    contract = active()
    assert contract.job_id is not None
    failed, moved = fail_on_job(contract, contract.job_id, "failed: boom", T0, causation_id=None)
    assert (failed.status, moved.actor) == (ContractStatus.FAILED, "executor")
    assert failed.audit_verdict == ContractAudit.PENDING
    done = completed()
    assert done.job_id is not None
    with pytest.raises(ContractRuleViolation) as refused:
        fail_on_job(done, done.job_id, "failed: late", T0, causation_id=None)
    assert refused.value.rule == "CONTRACT-005"


def test_SM003_resolution_is_no_pass_the_contract_fails_and_the_verdict_stays() -> None:
    waiting, _ = apply_audit_verdict(active(), V.INCONCLUSIVE, "health unavailable", T0)
    cause = uuid4()
    failed, moved = resolve_inconclusive(
        waiting, uuid4(), "alice", " monitoring was down ", T0 + HOUR, causation_id=cause
    )
    assert failed.status == ContractStatus.FAILED
    assert failed.audit_verdict == ContractAudit.INCONCLUSIVE
    assert (moved.actor, moved.causation_id) == ("alice", cause)
    assert "monitoring was down — not verified" in moved.reason


def test_JOB006_rollback_compensates_every_completed_step_in_reverse() -> None:
    contract = active(
        proposed_changes=[enable(), config_update(key="rate", old=1, new=2)],
        affected_capabilities=["LOGS_LIST"],
    )
    assert contract.job_id is not None
    rollback_id = rollback_job_id(contract.job_id)
    job = rollback_for(contract, contract.job_id, rollback_id, None, T0)
    assert job is not None
    assert (job.job_id, job.rolls_back_job_id, job.kind.value) == (
        rollback_id,
        contract.job_id,
        "rollback",
    )
    assert [(s.type, s.parameters.get("new_value")) for s in job.steps] == [
        (StepType.CONFIG_UPDATE, 1),
        (StepType.CAPABILITY_DISABLE, None),
    ]
    only_first = rollback_for(contract, contract.job_id, rollback_id, [1], T0)
    assert only_first is not None
    assert [s.type for s in only_first.steps] == [StepType.CAPABILITY_DISABLE]
    assert rollback_for(contract, contract.job_id, rollback_id, [3], T0) is None


def test_completed_with_rollback_skips_failed_and_uncompensated_steps() -> None:
    def record(number: int, status: StepStatus, rollback: bool) -> StepRecord:
        return StepRecord(
            number=number,
            type=StepType.CAPABILITY_ENABLE,
            target="LOGS_LIST",
            parameters={},
            status=status,
            rollback_action={"type": "capability_disable"} if rollback else None,
        )

    steps = [
        record(1, StepStatus.COMPLETED, True),
        record(2, StepStatus.COMPLETED, False),
        record(3, StepStatus.FAILED, True),
    ]
    assert completed_with_rollback(steps) == [1]


def test_incident_ids_are_deterministic_per_kind_and_subject() -> None:
    subject = uuid4()
    assert incident_id(IncidentKind.JOB_FAILED, subject) == incident_id(
        IncidentKind.JOB_FAILED, subject
    )
    assert incident_id(IncidentKind.JOB_FAILED, subject) != incident_id(
        IncidentKind.ROLLBACK_FAILED, subject
    )


def test_bake_watches_system_and_every_capability_until_its_end() -> None:
    assert bake_scopes(active(affected_capabilities=["search", "LOGS_LIST"])) == [
        "LOGS_LIST",
        "SEARCH",
        "SYSTEM",
    ]
    bake, every = timedelta(minutes=5), timedelta(seconds=5)
    assert next_bake_check(T0, T0, bake, every) == T0 + every
    late = T0 + timedelta(minutes=4, seconds=58)
    assert next_bake_check(T0, late, bake, every) == T0 + bake


def test_outcome_policy_refuses_non_positive_durations() -> None:
    assert OutcomePolicy().bake == timedelta(minutes=5)
    assert OutcomePolicy().audit_timeout == timedelta(minutes=10)
    with pytest.raises(ValueError, match="positive"):
        OutcomePolicy(bake=timedelta(0))


def test_an_open_incident_of_the_contract_is_acknowledged_once() -> None:
    contract_id, other = uuid4(), uuid4()
    incident = incident_id(IncidentKind.ROLLBACK_FAILED, uuid4())
    assert check_incident_ack(incident, contract_id, contract_id, None) is None
    again = check_incident_ack(incident, contract_id, contract_id, "alice")
    assert again is not None and again.rule == "INCIDENT-ACKNOWLEDGED"
    assert "alice" in again.message
    for named, holder in ((incident, other), (incident, None), (None, contract_id)):
        refusal = check_incident_ack(named, contract_id, holder, None)
        assert refusal is not None and refusal.rule == "INCIDENT-UNKNOWN", (named, holder)
