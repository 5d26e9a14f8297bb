"""Machine-driven moves after review: activation, window close, expiry, audit outcome.

Each is a thin, named use of the transition table with the facts it needs (SPEC §5
steps 6 and 10). None of them ever approves: only a founder decision does (PART2-002).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.machine import advance, amend, require_aware, transition
from govmesh.contracts.domain.states import TERMINAL
from govmesh.schemas import CheckOutcome, ContractSnapshot, ContractStatus, Principal, Transition
from govmesh.schemas.contracts import AuditState

S = ContractStatus
_SYSTEM_ACTOR = Principal.CONTRACTS.value


def activate(
    contract: ContractSnapshot, job_id: UUID, now: datetime, *, causation_id: UUID | None = None
) -> tuple[ContractSnapshot, Transition]:
    """APPROVED → ACTIVE with its one job (SM-006, CONTRACT-003), inside the window.

    Idempotent for the same job id; a different job for a contract that already has
    one is refused (SM-006). Outside `start <= now < end` it is refused
    (ACTIVATION-WINDOW): after the end, use `close_window`.
    """
    if contract.job_id is not None and contract.job_id != job_id:
        raise ContractRuleViolation(
            rules.SM_006,
            f"contract {contract.contract_id} already has job {contract.job_id}",
        )
    return advance(
        contract,
        S.ACTIVE,
        actor=_SYSTEM_ACTOR,
        reason=f"activation window opened; job {job_id} requested",
        at=now,
        causation_id=causation_id,
        changes={"job_id": job_id},
    )


def close_window(
    contract: ContractSnapshot, now: datetime, *, causation_id: UUID | None = None
) -> tuple[ContractSnapshot, Transition]:
    """APPROVED → FAILED because the activation window ended before activation."""
    require_aware(now)
    end = contract.activation_window_end
    if contract.status == S.APPROVED and (end is None or now < end):
        raise ContractRuleViolation(
            rules.ACTIVATION_WINDOW, f"the activation window is still open (ends {end})"
        )
    return transition(
        contract,
        S.FAILED,
        actor=_SYSTEM_ACTOR,
        reason=f"activation window closed at {end} before activation",
        at=now,
        causation_id=causation_id,
    )


def expire(
    contract: ContractSnapshot, now: datetime, *, causation_id: UUID | None = None
) -> tuple[ContractSnapshot, Transition]:
    """DRAFT / VALIDATED / ELIGIBLE → EXPIRED once the TTL ran out (REVIEW-006).

    Never while a clarification pause is open; never an approval.
    """
    return transition(
        contract,
        S.EXPIRED,
        actor=_SYSTEM_ACTOR,
        reason="review TTL passed without a decision (REVIEW-006)",
        at=now,
        causation_id=causation_id,
    )


def apply_audit_verdict(
    contract: ContractSnapshot,
    verdict: CheckOutcome,
    reason: str,
    at: datetime,
    *,
    actor: str = Principal.AUDITOR.value,
    causation_id: UUID | None = None,
) -> tuple[ContractSnapshot, Transition | None]:
    """Record the audit verdict of the contract's job and move on (SPEC §5 step 10).

    PASS → COMPLETED; FAIL → FAILED (the caller creates the rollback job and incident
    in the same transaction, SM-004); INCONCLUSIVE → stays ACTIVE awaiting a retry or a
    human resolution, which calls this again. Only an ACTIVE contract with a job is
    audited (SM-002); a recorded PASS or FAIL is never replaced (AUDIT-004).
    """
    if contract.status == S.ACTIVE and contract.audit_verdict in (
        AuditState.PASS,
        AuditState.FAIL,
    ):
        raise ContractRuleViolation(
            rules.AUDIT_004,
            f"audit verdict {contract.audit_verdict.value} is already recorded and immutable",
        )
    # A terminal contract falls through so the machine refuses it as CONTRACT-005.
    if contract.status != S.ACTIVE and contract.status not in TERMINAL:
        raise ContractRuleViolation(
            rules.SM_002,
            f"only an ACTIVE contract's job is audited (contract is {contract.status.value})",
        )
    changes = {
        "audit_verdict": AuditState(verdict.value),
        "audit_reason": reason,
        "audit_completed_at": at,
    }
    if verdict == CheckOutcome.INCONCLUSIVE:
        return amend(contract, at=at, changes=changes), None
    target = S.COMPLETED if verdict == CheckOutcome.PASS else S.FAILED
    return advance(
        contract,
        target,
        actor=actor,
        reason=f"audit {verdict.value}: {reason}",
        at=at,
        causation_id=causation_id,
        changes=changes,
    )
