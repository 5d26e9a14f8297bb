"""Activation (SM-006), window close, expiry and the audit outcome (SM-002, SM-003, AUDIT-004)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from govmesh.contracts.domain import (
    ContractRuleViolation,
    activate,
    apply_audit_verdict,
    close_window,
    execution_job_id,
    expire,
    rollback_job_id,
)
from govmesh.schemas import CheckOutcome, ContractStatus
from govmesh.schemas.contracts import AuditState

from .factories import DAY, HOUR, T0, active, approved, completed, snapshot

pytestmark = pytest.mark.unit

S = ContractStatus


def test_SM006_activate_sets_the_one_job_inside_window() -> None:
    contract = approved()
    job = execution_job_id(contract.contract_id)

    after, record = activate(contract, job, T0 + HOUR)

    assert after.status == S.ACTIVE and after.job_id == job
    assert after.version == contract.version + 1
    assert (record.from_status, record.to_status, record.actor) == (
        S.APPROVED,
        S.ACTIVE,
        "contracts",
    )


def test_SM006_second_job_for_the_contract_is_refused() -> None:
    contract = approved(job_id=uuid4())
    with pytest.raises(ContractRuleViolation) as refused:
        activate(contract, uuid4(), T0 + HOUR)
    assert refused.value.rule == "SM-006"


def test_SM006_job_ids_are_deterministic() -> None:
    cid = uuid4()
    assert execution_job_id(cid) == execution_job_id(cid) != execution_job_id(uuid4())
    assert rollback_job_id(execution_job_id(cid)) != execution_job_id(cid)


def test_activation_before_window_start_is_refused() -> None:
    contract = approved(activation_window_start=T0 + 2 * HOUR)
    with pytest.raises(ContractRuleViolation) as refused:
        activate(contract, uuid4(), T0 + HOUR)
    assert refused.value.rule == "ACTIVATION-WINDOW"


def test_activation_after_window_end_is_refused_and_window_close_fails_it() -> None:
    contract = approved()
    with pytest.raises(ContractRuleViolation):
        activate(contract, uuid4(), T0 + DAY)
    failed, record = close_window(contract, T0 + DAY)
    assert failed.status == S.FAILED
    assert record.from_status == S.APPROVED
    assert "window closed" in record.reason


def test_window_close_while_window_open_is_refused() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        close_window(approved(), T0 + HOUR)
    assert refused.value.rule == "ACTIVATION-WINDOW"


def test_REVIEW006_expire_only_after_ttl() -> None:
    contract = snapshot(S.ELIGIBLE)
    with pytest.raises(ContractRuleViolation) as refused:
        expire(contract, T0 + 6 * DAY)
    assert refused.value.rule == "REVIEW-006"
    expired, record = expire(contract, T0 + 7 * DAY)
    assert expired.status == S.EXPIRED
    assert "REVIEW-006" in record.reason


def test_SM003_audit_pass_completes_in_one_version() -> None:
    contract = active()
    after, record = apply_audit_verdict(
        contract, CheckOutcome.PASS, "All checks passed", T0 + 2 * HOUR
    )
    assert after.status == S.COMPLETED
    assert after.audit_verdict == AuditState.PASS
    assert after.audit_reason == "All checks passed"
    assert after.audit_completed_at == T0 + 2 * HOUR
    assert after.version == contract.version + 1
    assert record is not None and record.actor == "auditor"


def test_SM004_audit_fail_fails_the_contract() -> None:
    after, record = apply_audit_verdict(active(), CheckOutcome.FAIL, "Failed checks: A-002", T0)
    assert after.status == S.FAILED and after.audit_verdict == AuditState.FAIL
    assert record is not None and "A-002" in record.reason


def test_inconclusive_keeps_active_then_human_resolution_completes() -> None:
    waiting, record = apply_audit_verdict(
        active(), CheckOutcome.INCONCLUSIVE, "health unavailable", T0
    )
    assert record is None
    assert waiting.status == S.ACTIVE and waiting.audit_verdict == AuditState.INCONCLUSIVE
    done, record = apply_audit_verdict(
        waiting, CheckOutcome.PASS, "resolved with context", T0 + HOUR, actor="alice"
    )
    assert done.status == S.COMPLETED and record is not None and record.actor == "alice"


@pytest.mark.parametrize("status", [S.ELIGIBLE, S.APPROVED])
def test_SM002_audit_only_for_an_active_contract(status: ContractStatus) -> None:
    contract = approved() if status == S.APPROVED else snapshot(status)
    with pytest.raises(ContractRuleViolation) as refused:
        apply_audit_verdict(contract, CheckOutcome.PASS, "All checks passed", T0)
    assert refused.value.rule == "SM-002"


def test_CONTRACT005_audit_of_terminal_contract_is_refused() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        apply_audit_verdict(completed(), CheckOutcome.FAIL, "late", T0)
    assert refused.value.rule == "CONTRACT-005"


@pytest.mark.parametrize("recorded", [AuditState.PASS, AuditState.FAIL])
def test_AUDIT004_recorded_verdict_is_immutable(recorded: AuditState) -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        apply_audit_verdict(active(audit_verdict=recorded), CheckOutcome.INCONCLUSIVE, "again", T0)
    assert refused.value.rule == "AUDIT-004"
