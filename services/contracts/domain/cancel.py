"""CANCEL_JOB: a founder's cancel of the contract's job (SPEC §7 PENDING → CANCELLED).

The contract authority checks that the contract exists, is ACTIVE (SM-001: only an
ACTIVE contract has a job) and that the job named is its job; the executor then cancels
it only if it is still PENDING. The contract itself does not change here: what the
executor reports (CANCELLED) moves it on.
"""

from __future__ import annotations

from datetime import datetime

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.machine import require_aware
from govmesh.contracts.domain.review import Refusal, founder_refusal
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    FounderAction,
    FounderDecision,
    JobCancelRequested,
)

DEFAULT_CANCEL_REASON = "cancelled by a founder before execution"


def cancel_job(
    contract: ContractSnapshot,
    decision: FounderDecision,
    now: datetime,
    founders: frozenset[str] | None = None,
) -> JobCancelRequested | Refusal:
    """The `JobCancelRequested` for `decision`, or the refusal naming the rule."""
    require_aware(now)
    if decision.action != FounderAction.CANCEL_JOB:
        return Refusal(rules.REVIEW_UNSUPPORTED_ACTION, f"{decision.action.value} is not a cancel")
    if decision.contract_id != contract.contract_id:
        return Refusal(
            rules.REVIEW_CONTRACT_MISMATCH,
            f"the decision is for contract {decision.contract_id}, not {contract.contract_id}",
        )
    unauthorized = founder_refusal(decision.founder, founders)
    if unauthorized is not None:
        return unauthorized
    if contract.status != ContractStatus.ACTIVE or contract.job_id is None:
        return Refusal(
            rules.JOB_CANCEL,
            f"only the job of an ACTIVE contract can be cancelled; this one is"
            f" {contract.status.value}",
        )
    if decision.job_id is not None and decision.job_id != contract.job_id:
        return Refusal(
            rules.JOB_CANCEL,
            f"job {decision.job_id} is not the job of contract {contract.contract_id}"
            f" ({contract.job_id})",
        )
    return JobCancelRequested(
        job_id=contract.job_id,
        contract_id=contract.contract_id,
        requested_by=decision.founder,
        reason=(decision.reason or "").strip() or DEFAULT_CANCEL_REASON,
        requested_at=now,
    )
