"""The console's courtesy checks (SPEC §6, §8): few, exact, and naming the rule."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.console.domain.checks import (
    ReviewRequest,
    audit_action,
    check_cancel,
    check_review,
    check_window,
)
from govmesh.console.domain.refusals import ErrorCode
from govmesh.schemas import ContractStatus, FounderAction
from govmesh.schemas.contracts import AuditState
from tests.unit.console.factories import T0, contract

pytestmark = pytest.mark.unit

A = FounderAction
NOW = T0 + timedelta(hours=1)


def review(action: FounderAction, **values: object) -> ReviewRequest:
    return ReviewRequest(action, values.pop("founder", "founder"), **values)  # type: ignore[arg-type]


def test_REVIEW_unknown_contract_is_404_naming_the_field() -> None:
    cid = uuid4()
    refusal = check_review(cid, None, review(A.APPROVE), approvers=(), now=NOW)
    assert refusal is not None
    assert (refusal.status, refusal.error_code, refusal.field) == (
        404,
        ErrorCode.CONTRACT_NOT_FOUND,
        "contract_id",
    )
    assert refusal.as_json() == {
        "error_code": "CONTRACT_NOT_FOUND",
        "field": "contract_id",
        "message": refusal.message,
    }


@pytest.mark.parametrize("status", [s for s in ContractStatus if s is not ContractStatus.ELIGIBLE])
@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT, A.REQUEST_CLARIFICATION, A.MODIFY_SCOPE])
def test_REVIEW_001_only_eligible_contracts_are_reviewed(
    status: ContractStatus, action: FounderAction
) -> None:
    c = contract(status)
    refusal = check_review(
        c.contract_id, c, review(action, reason="a perfectly long reason"), approvers=(), now=NOW
    )
    assert refusal is not None
    assert (refusal.status, refusal.rule) == (409, "REVIEW-001")
    assert status.value in refusal.message
    assert refusal.as_json()["rule"] == "REVIEW-001"


@pytest.mark.parametrize("reason", ["", "too short", "  exactly10  ", "0123456789"])
def test_REVIEW_002_reject_reason_of_ten_characters_or_fewer_is_refused(reason: str) -> None:
    c = contract()
    refusal = check_review(c.contract_id, c, review(A.REJECT, reason=reason), approvers=(), now=NOW)
    assert refusal is not None
    assert (refusal.status, refusal.rule) == (422, "REVIEW-002")


def test_REVIEW_002_reject_reason_of_eleven_characters_passes() -> None:
    c = contract()
    req = review(A.REJECT, reason=" 0123456789A ")
    assert check_review(c.contract_id, c, req, approvers=(), now=NOW) is None


def test_REVIEW_approve_of_an_eligible_contract_passes() -> None:
    c = contract()
    assert check_review(c.contract_id, c, review(A.APPROVE), approvers=(), now=NOW) is None


@pytest.mark.parametrize("approvers", [("founder",), ("  FOUNDER ",)])
def test_REVIEW_DUPLICATE_FOUNDER_a_founder_never_approves_twice(approvers: tuple[str]) -> None:
    c = contract()
    refusal = check_review(c.contract_id, c, review(A.APPROVE), approvers=approvers, now=NOW)
    assert refusal is not None
    assert (refusal.status, refusal.rule) == (409, "REVIEW-DUPLICATE-FOUNDER")


def test_REVIEW_DUPLICATE_FOUNDER_another_founder_may_approve() -> None:
    c = contract()
    assert (
        check_review(c.contract_id, c, review(A.APPROVE), approvers=("founder2",), now=NOW) is None
    )


def test_REVIEW_DUPLICATE_FOUNDER_does_not_stop_a_rejection_by_an_approver() -> None:
    c = contract()
    req = review(A.REJECT, reason="changed my mind after the call")
    assert check_review(c.contract_id, c, req, approvers=("founder",), now=NOW) is None


def test_REVIEW_CLARIFICATION_PENDING_refuses_approve_and_a_second_request() -> None:
    c = contract(clarification_request="which project?", clarification_requested_at=T0)
    for req in (review(A.APPROVE), review(A.REQUEST_CLARIFICATION, request="and the region?")):
        refusal = check_review(c.contract_id, c, req, approvers=(), now=NOW)
        assert refusal is not None
        assert (refusal.status, refusal.rule) == (409, "REVIEW-CLARIFICATION-PENDING")
    reject = review(A.REJECT, reason="no answer came, closing")
    assert check_review(c.contract_id, c, reject, approvers=(), now=NOW) is None


def test_REVIEW_004_clarification_needs_the_question() -> None:
    c = contract()
    refusal = check_review(
        c.contract_id, c, review(A.REQUEST_CLARIFICATION, request="   "), approvers=(), now=NOW
    )
    assert refusal is not None
    assert (refusal.status, refusal.field) == (422, "request")
    ok = review(A.REQUEST_CLARIFICATION, request="Which project?")
    assert check_review(c.contract_id, c, ok, approvers=(), now=NOW) is None


def test_REVIEW_003_window_ending_before_it_starts_is_refused() -> None:
    refusal = check_window(NOW + timedelta(hours=2), NOW + timedelta(hours=1), NOW)
    assert refusal is not None
    assert (refusal.status, refusal.rule) == (422, "REVIEW-003")
    assert "end after it starts" in refusal.message


def test_REVIEW_003_window_already_ended_is_refused_defaults_pass() -> None:
    ended = check_window(NOW - timedelta(hours=3), NOW - timedelta(hours=1), NOW)
    assert ended is not None and ended.rule == "REVIEW-003"
    # Start in the past with the default 24 h length already over.
    stale = check_window(NOW - timedelta(hours=25), None, NOW)
    assert stale is not None and stale.rule == "REVIEW-003"
    assert check_window(None, None, NOW) is None
    assert check_window(None, NOW + timedelta(minutes=5), NOW) is None
    assert check_window(NOW + timedelta(days=1), None, NOW) is None


def test_REVIEW_003_is_applied_to_approve_requests() -> None:
    c = contract()
    req = review(A.APPROVE, window_end=NOW - timedelta(seconds=1))
    refusal = check_review(c.contract_id, c, req, approvers=(), now=NOW)
    assert refusal is not None and refusal.rule == "REVIEW-003"


def test_REVIEW_non_review_action_is_a_programming_error() -> None:
    c = contract()
    with pytest.raises(ValueError, match="not a review action"):
        check_review(c.contract_id, c, review(A.CANCEL_JOB), approvers=(), now=NOW)


def test_AUDIT_004_a_pass_is_never_resolved() -> None:
    c = contract(ContractStatus.COMPLETED, audit_verdict=AuditState.PASS)
    refusal = audit_action(c.contract_id, c, acknowledge=None, context="looked at it again")
    assert not isinstance(refusal, FounderAction)
    assert (refusal.status, refusal.rule) == (409, "AUDIT-004")


def test_AUDIT_004_a_fail_is_acknowledged_never_overridden() -> None:
    c = contract(ContractStatus.FAILED, audit_verdict=AuditState.FAIL)
    assert audit_action(c.contract_id, c, acknowledge=None, context="seen") == A.ACKNOWLEDGE_AUDIT
    assert audit_action(c.contract_id, c, acknowledge=True, context="seen") == A.ACKNOWLEDGE_AUDIT
    refusal = audit_action(c.contract_id, c, acknowledge=False, context="it was fine")
    assert not isinstance(refusal, FounderAction)
    assert refusal.rule == "AUDIT-004"


def test_AUDIT_inconclusive_is_resolved_with_context() -> None:
    c = contract(ContractStatus.ACTIVE, audit_verdict=AuditState.INCONCLUSIVE)
    assert audit_action(c.contract_id, c, acknowledge=None, context="health feed was down") == (
        A.RESOLVE_AUDIT
    )
    missing = audit_action(c.contract_id, c, acknowledge=None, context="  ")
    assert not isinstance(missing, FounderAction)
    assert (missing.status, missing.field) == (422, "reason")
    unknown = audit_action(uuid4(), None, acknowledge=None, context="x")
    assert not isinstance(unknown, FounderAction)
    assert unknown.status == 404


def test_JOB_CANCEL_refused_only_for_what_never_changes() -> None:
    job_id = uuid4()
    active = contract(ContractStatus.ACTIVE, job_id=job_id)
    assert check_cancel(job_id, active.contract_id, active) is None
    # The view may lag behind activation: a not-yet-ACTIVE contract is contracts' to judge.
    approved = contract(ContractStatus.APPROVED)
    assert check_cancel(job_id, approved.contract_id, approved) is None
    other_job = check_cancel(uuid4(), active.contract_id, active)
    assert other_job is not None and (other_job.status, other_job.rule) == (409, "JOB-CANCEL")
    done = contract(ContractStatus.COMPLETED, job_id=job_id, audit_verdict=AuditState.PASS)
    terminal = check_cancel(job_id, done.contract_id, done)
    assert terminal is not None and (terminal.status, terminal.rule) == (409, "JOB-CANCEL")
    unknown = check_cancel(job_id, uuid4(), None)
    assert unknown is not None and unknown.status == 404
