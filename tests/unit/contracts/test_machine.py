"""Guards of `transition`: CONTRACT-002…007, REVIEW-002, the TTL, version and time handling."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from govmesh.contracts.domain import ContractRuleViolation, transition
from govmesh.contracts.domain.guards import STATUS_GUARDS, check_status_guards
from govmesh.schemas import ContractSnapshot, ContractStatus
from govmesh.schemas.contracts import AuditState

from .factories import DAY, HOUR, T0, active, approved, approved_fields, completed, snapshot

pytestmark = pytest.mark.unit

S = ContractStatus
REASON = "a reason that is long enough"


def _refused_rule(
    contract: ContractSnapshot, to: ContractStatus, at: datetime = T0 + HOUR, reason: str = REASON
) -> str:
    with pytest.raises(ContractRuleViolation) as refused:
        transition(contract, to, actor="tester", reason=reason, at=at)
    return refused.value.rule


def test_CONTRACT002_approved_without_approved_by_is_refused() -> None:
    contract = snapshot(S.ELIGIBLE, **{**approved_fields(), "approved_by": []})
    assert _refused_rule(contract, S.APPROVED) == "CONTRACT-002"


def test_CONTRACT002_blank_approver_names_do_not_count() -> None:
    contract = snapshot(S.ELIGIBLE, **{**approved_fields(), "approved_by": ["  "]})
    assert _refused_rule(contract, S.APPROVED) == "CONTRACT-002"


def test_CONTRACT003_active_without_job_is_refused() -> None:
    assert _refused_rule(approved(), S.ACTIVE) == "CONTRACT-003"


def test_CONTRACT003_active_with_job_inside_window_is_allowed() -> None:
    after, _ = transition(
        approved(job_id=uuid4()), S.ACTIVE, actor="contracts", reason="window open", at=T0 + HOUR
    )
    assert after.status == S.ACTIVE


@pytest.mark.parametrize("at", [T0 - HOUR, T0 + DAY, T0 + 2 * DAY])
def test_SM006_activation_outside_window_is_refused(at: datetime) -> None:
    assert _refused_rule(approved(job_id=uuid4()), S.ACTIVE, at=at) == "ACTIVATION-WINDOW"


@pytest.mark.parametrize("verdict", [AuditState.PENDING, AuditState.FAIL, AuditState.INCONCLUSIVE])
def test_CONTRACT004_SM003_completed_without_audit_pass_is_refused(verdict: AuditState) -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        transition(active(audit_verdict=verdict), S.COMPLETED, actor="a", reason=REASON, at=T0)
    assert refused.value.rule == "CONTRACT-004"
    assert "SM-003" in refused.value.related


def test_CONTRACT004_completed_with_audit_pass_is_allowed() -> None:
    after, _ = transition(
        active(audit_verdict=AuditState.PASS), S.COMPLETED, actor="a", reason=REASON, at=T0
    )
    assert after.status == S.COMPLETED and after.audit_verdict == AuditState.PASS


def test_AUDIT004_failed_after_audit_pass_is_refused() -> None:
    assert _refused_rule(active(audit_verdict=AuditState.PASS), S.FAILED) == "AUDIT-004"


@pytest.mark.parametrize("status", [S.COMPLETED, S.FAILED, S.REJECTED, S.EXPIRED, S.SUPERSEDED])
def test_CONTRACT005_terminal_contract_never_changes(status: ContractStatus) -> None:
    contract = completed() if status == S.COMPLETED else snapshot(status)
    for target in ContractStatus:
        assert _refused_rule(contract, target, at=T0 + 9 * DAY) == "CONTRACT-005"


def test_CONTRACT006_invalid_proposed_changes_are_refused() -> None:
    broken = snapshot(S.VALIDATED).model_copy(
        update={"proposed_changes": [{"type": "capability_enable", "capability_name": "bad name!"}]}
    )
    assert _refused_rule(broken, S.ELIGIBLE) == "CONTRACT-006"


def test_CONTRACT006_eligible_without_proposed_changes_is_refused() -> None:
    assert _refused_rule(snapshot(S.VALIDATED, proposed_changes=None), S.ELIGIBLE) == "CONTRACT-006"


def test_CONTRACT006_rejection_without_proposed_changes_is_allowed() -> None:
    after, _ = transition(
        snapshot(S.VALIDATED, proposed_changes=None),
        S.REJECTED,
        actor="eligibility",
        reason="E-001: Validator confidence too low",
        at=T0,
    )
    assert after.status == S.REJECTED


@pytest.mark.parametrize("value", [-0.01, 1.01, float("nan"), True])
def test_CONTRACT007_confidence_outside_unit_interval_is_refused(value: object) -> None:
    broken = snapshot(S.DRAFT).model_copy(update={"confidence_score": value})
    assert _refused_rule(broken, S.VALIDATED) == "CONTRACT-007"


@pytest.mark.parametrize("value", [0.0, 1.0, 0.3])
def test_CONTRACT007_confidence_bounds_are_allowed(value: float) -> None:
    after, _ = transition(
        snapshot(S.DRAFT, confidence_score=value), S.VALIDATED, actor="v", reason="r", at=T0
    )
    assert after.confidence_score == value


@pytest.mark.parametrize("reason", ["", "too short", "0123456789", "   padded    "])
def test_REVIEW002_founder_rejection_with_short_reason_is_refused(reason: str) -> None:
    assert _refused_rule(snapshot(S.ELIGIBLE), S.REJECTED, reason=reason) == "REVIEW-002"


def test_REVIEW002_eleven_characters_is_enough() -> None:
    after, _ = transition(snapshot(S.ELIGIBLE), S.REJECTED, actor="f", reason="01234567890", at=T0)
    assert after.status == S.REJECTED


def test_REVIEW006_expiry_before_ttl_is_refused() -> None:
    assert _refused_rule(snapshot(S.ELIGIBLE), S.EXPIRED, at=T0 + 7 * DAY - HOUR) == "REVIEW-006"


def test_REVIEW006_expiry_while_clarification_pending_is_refused() -> None:
    paused = snapshot(S.ELIGIBLE, clarification_requested_at=T0 + DAY, clarification_request="?")
    assert _refused_rule(paused, S.EXPIRED, at=T0 + 30 * DAY) == "REVIEW-006"


def test_version_and_updated_at_bump_once_per_transition() -> None:
    contract = snapshot(S.DRAFT, version=1)
    after, _ = transition(contract, S.VALIDATED, actor="v", reason="r", at=T0 + HOUR)
    again, _ = transition(after, S.ELIGIBLE, actor="e", reason="r", at=T0 + 2 * HOUR)
    assert (after.version, again.version) == (2, 3)
    assert again.updated_at == T0 + 2 * HOUR
    assert contract.status == S.DRAFT  # the input snapshot is untouched


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        transition(snapshot(S.DRAFT), S.VALIDATED, actor="v", reason="r", at=datetime(2025, 1, 1))


def test_snapshot_schema_is_rechecked_after_transition() -> None:
    broken = snapshot(S.DRAFT).model_copy(update={"title": "x" * 201})
    assert _refused_rule(broken, S.VALIDATED) == "CONTRACT-SCHEMA"


def test_every_status_guard_has_a_rule_id_and_a_status() -> None:
    for guard in STATUS_GUARDS:
        assert guard.rule.split("-")[0] in {"CONTRACT", "AUDIT"}
        assert guard.statuses


def test_check_status_guards_accepts_a_consistent_completed_contract() -> None:
    check_status_guards(completed())
