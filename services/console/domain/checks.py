"""The console's courtesy checks: refusals it can already tell from its lifecycle view.

The contract authority re-checks everything (SPEC §6); the console refuses only what
contracts would certainly refuse as well, so these stay few and exact:

| rule | status | when |
|---|---|---|
| (field contract_id) | 404 | the lifecycle view has no such contract |
| REVIEW-001 | 409 | the contract is not ELIGIBLE |
| REVIEW-CLARIFICATION-PENDING | 409 | APPROVE, or asking again, while a clarification is awaited |
| REVIEW-DUPLICATE-FOUNDER | 409 | the founder has already approved it (a founder counts once) |
| REVIEW-003 | 422 | the activation window ends before it starts or before now |
| REVIEW-002 | 422 | a rejection reason of 10 characters or fewer |
| AUDIT-004 | 409 | resolving a PASS, or overriding a FAIL instead of acknowledging it |
| JOB-CANCEL | 409 | cancelling the job of a terminal contract, or a job not the contract's |

Expiry, system health (E-104) and freezes (ELIG-005) are judged by contracts alone: they
depend on its clock, its health view and signals the console does not read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from govmesh.console.domain import rules
from govmesh.console.domain.refusals import (
    Refusal,
    contract_not_found,
    invalid_field,
    rule_violation,
)
from govmesh.schemas import ContractSnapshot, ContractStatus, FounderAction
from govmesh.schemas.contracts import AuditState

A = FounderAction

#: REVIEW-003 default window length, as the contract authority applies it.
DEFAULT_WINDOW = timedelta(hours=24)

TERMINAL = frozenset(
    {
        ContractStatus.COMPLETED,
        ContractStatus.FAILED,
        ContractStatus.REJECTED,
        ContractStatus.EXPIRED,
        ContractStatus.SUPERSEDED,
    }
)

REVIEW_ACTIONS = frozenset({A.APPROVE, A.REJECT, A.REQUEST_CLARIFICATION, A.MODIFY_SCOPE})


@dataclass(frozen=True)
class ReviewRequest:
    """One founder review action as the console received it (SPEC §6)."""

    action: FounderAction
    founder: str
    reason: str | None = None
    request: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None


def check_review(
    contract_id: UUID,
    contract: ContractSnapshot | None,
    req: ReviewRequest,
    *,
    approvers: Collection[str],
    now: datetime,
) -> Refusal | None:
    """The first refusal for a review action, or None when contracts must judge it.

    `approvers` are founders whose approval of this contract the console knows of (the
    contract's `approved_by` plus approvals submitted here and not refused since).
    """
    if req.action not in REVIEW_ACTIONS:
        raise ValueError(f"{req.action.value} is not a review action")
    if contract is None:
        return contract_not_found(contract_id)
    if contract.status != ContractStatus.ELIGIBLE:
        return rule_violation(
            409,
            rules.REVIEW_001,
            f"only ELIGIBLE contracts are reviewed; this one is {contract.status.value}",
        )
    if req.action == A.APPROVE:
        return _check_approve(contract, req, approvers, now)
    if req.action == A.REJECT:
        return _check_reject(req)
    if req.action == A.REQUEST_CLARIFICATION:
        return _check_clarification(contract, req)
    return None


def _check_approve(
    contract: ContractSnapshot, req: ReviewRequest, approvers: Collection[str], now: datetime
) -> Refusal | None:
    if contract.clarification_requested_at is not None:
        return rule_violation(
            409,
            rules.REVIEW_CLARIFICATION_PENDING,
            "a clarification is awaited; approve after it has been provided",
        )
    known = {_key(name) for name in (*contract.approved_by, *approvers)}
    if _key(req.founder) in known:
        return rule_violation(
            409,
            rules.REVIEW_DUPLICATE_FOUNDER,
            f"{req.founder} has already approved this contract; another founder must",
        )
    return check_window(req.window_start, req.window_end, now)


def check_window(start: datetime | None, end: datetime | None, now: datetime) -> Refusal | None:
    """REVIEW-003: the window (default now .. now + 24 h) must end after its start and now."""
    effective_start = start or now
    effective_end = end or effective_start + DEFAULT_WINDOW
    if effective_end <= effective_start:
        return rule_violation(
            422, rules.REVIEW_003, "the activation window must end after it starts"
        )
    if effective_end <= now:
        return rule_violation(422, rules.REVIEW_003, "the activation window has already ended")
    return None


def _check_reject(req: ReviewRequest) -> Refusal | None:
    if len((req.reason or "").strip()) < rules.MIN_REJECTION_REASON:
        return rule_violation(
            422,
            rules.REVIEW_002,
            "a rejection needs a reason longer than 10 characters; the requester will see it",
        )
    return None


def _check_clarification(contract: ContractSnapshot, req: ReviewRequest) -> Refusal | None:
    if contract.clarification_requested_at is not None:
        return rule_violation(
            409,
            rules.REVIEW_CLARIFICATION_PENDING,
            "a clarification is already awaited; wait for it before asking again",
        )
    if not (req.request or "").strip():
        return invalid_field("request", "request: say what the requester should clarify")
    return None


def audit_action(
    contract_id: UUID,
    contract: ContractSnapshot | None,
    *,
    acknowledge: bool | None,
    context: str | None,
) -> FounderAction | Refusal:
    """RESOLVE_AUDIT or ACKNOWLEDGE_AUDIT for an audit of this contract (SPEC §8, AUDIT-004).

    A human may resolve INCONCLUSIVE with added context and acknowledge a FAIL; a PASS
    is never revoked and a FAIL never overridden. Without an explicit choice a FAIL is
    acknowledged and anything else resolved (the view may not show the verdict yet).
    """
    if contract is None:
        return contract_not_found(contract_id)
    if not (context or "").strip():
        return invalid_field("reason", "reason: add the context the resolution rests on")
    verdict = contract.audit_verdict
    if verdict == AuditState.PASS:
        return rule_violation(
            409, rules.AUDIT_004, "the audit passed; a PASS is final and needs no resolution"
        )
    if verdict == AuditState.FAIL and acknowledge is False:
        return rule_violation(
            409, rules.AUDIT_004, "a FAIL is never overridden; it can only be acknowledged"
        )
    if acknowledge is None:
        acknowledge = verdict == AuditState.FAIL
    return A.ACKNOWLEDGE_AUDIT if acknowledge else A.RESOLVE_AUDIT


def check_cancel(
    job_id: UUID, contract_id: UUID, contract: ContractSnapshot | None
) -> Refusal | None:
    """CANCEL_JOB (SPEC §7): refused when the view already shows it can never apply.

    Only facts that never change count: a terminal contract stays terminal (CONTRACT-005)
    and a contract's one job id never changes (SM-006). Whether the contract is ACTIVE yet
    and the job still PENDING is for contracts and the executor to judge. The reason is
    optional: contracts records a default one.
    """
    if contract is None:
        return contract_not_found(contract_id)
    if contract.status in TERMINAL:
        return rule_violation(
            409,
            rules.JOB_CANCEL,
            f"only the job of an ACTIVE contract can be cancelled; this one is"
            f" {contract.status.value}",
        )
    if contract.job_id is not None and contract.job_id != job_id:
        return rule_violation(
            409,
            rules.JOB_CANCEL,
            f"job {job_id} is not the job of contract {contract_id} ({contract.job_id})",
        )
    return None


def _key(name: str) -> str:
    return name.strip().casefold()
