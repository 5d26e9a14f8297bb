"""Applying the transition table to a contract snapshot (SPEC §5, CONTRACT-001…007).

Every change of a stored contract goes through `advance` (status change) or `amend`
(same status): both refuse terminal contracts, check the status guards on the result,
bump `version` (the optimistic lock) and set `updated_at`. One call is one database
UPDATE, so a status change and the fields that justify it land in the same version.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.guards import check_status_guards
from govmesh.contracts.domain.states import TERMINAL, allowed_targets, rule_for
from govmesh.contracts.domain.ttl import contract_expiry
from govmesh.schemas import ContractSnapshot, ContractStatus, Transition

S = ContractStatus

#: Fields only the machine itself sets, or that never change after creation.
_PROTECTED = frozenset(
    {"contract_id", "version", "status", "status_reason", "updated_at", "created_at", "issue_id"}
)

#: More than 10 characters (REVIEW-002).
MIN_REJECTION_REASON = 11


def require_aware(at: datetime) -> None:
    """Refuse a naive datetime: every instant in the domain carries its timezone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("time must be timezone-aware")


def transition(
    contract: ContractSnapshot,
    to: ContractStatus,
    *,
    actor: str,
    reason: str,
    at: datetime,
    causation_id: UUID | None = None,
) -> tuple[ContractSnapshot, Transition]:
    """Move `contract` to `to` if the table and the guards allow it.

    Refuses (raises `ContractRuleViolation` naming the rule): any change of a terminal
    contract (CONTRACT-005); a pair not in `TRANSITIONS` (CONTRACT-001); APPROVED without
    approved_by (CONTRACT-002); ACTIVE without job_id (CONTRACT-003) or outside the
    activation window; COMPLETED without audit PASS (CONTRACT-004 / SM-003); invalid or
    missing proposed_changes (CONTRACT-006); confidence outside [0, 1] (CONTRACT-007);
    a founder rejection reason of 10 characters or fewer (REVIEW-002); expiry before
    the TTL has run out (REVIEW-006).
    """
    return advance(
        contract, to, actor=actor, reason=reason, at=at, causation_id=causation_id, changes={}
    )


def advance(
    contract: ContractSnapshot,
    to: ContractStatus,
    *,
    actor: str,
    reason: str,
    at: datetime,
    causation_id: UUID | None = None,
    changes: Mapping[str, Any],
) -> tuple[ContractSnapshot, Transition]:
    """`transition` plus field `changes` that land in the same version (domain-internal).

    The guards see the contract with the changes applied, e.g. approval sets
    `approved_by` in the same step that makes it APPROVED.
    """
    require_aware(at)
    _refuse_terminal(contract)
    if rule_for(contract.status, to) is None:
        allowed = ", ".join(sorted(allowed_targets(contract.status))) or "none"
        raise ContractRuleViolation(
            rules.CONTRACT_001,
            f"{contract.status.value} -> {to.value} is not in the transition table"
            f" (allowed from {contract.status.value}: {allowed})",
        )
    _check_protected(changes)
    candidate = contract.model_copy(
        update={
            **changes,
            "status": to,
            "status_reason": reason,
            "version": contract.version + 1,
            "updated_at": at,
        }
    )
    _check_pair_guards(contract, to, reason=reason, at=at, candidate=candidate)
    check_status_guards(candidate)
    snapshot = _revalidated(candidate)
    record = Transition(
        from_status=contract.status,
        to_status=to,
        actor=actor,
        reason=reason,
        at=at,
        causation_id=causation_id,
    )
    return snapshot, record


def amend(
    contract: ContractSnapshot, *, at: datetime, changes: Mapping[str, Any]
) -> ContractSnapshot:
    """Change fields without changing the status (domain-internal).

    Used for a clarification request or answer and an INCONCLUSIVE audit. Refuses
    terminal contracts (CONTRACT-005) and results that break a status guard.
    """
    require_aware(at)
    _refuse_terminal(contract)
    _check_protected(changes)
    candidate = contract.model_copy(
        update={**changes, "version": contract.version + 1, "updated_at": at}
    )
    check_status_guards(candidate)
    return _revalidated(candidate)


def _refuse_terminal(contract: ContractSnapshot) -> None:
    if contract.status in TERMINAL:
        raise ContractRuleViolation(
            rules.CONTRACT_005,
            f"contract {contract.contract_id} is {contract.status.value}, which is terminal;"
            " it never changes",
        )


def _check_protected(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - set(ContractSnapshot.model_fields)
    if unknown:
        raise ValueError(f"not contract fields: {sorted(unknown)}")
    protected = set(changes) & _PROTECTED
    if protected:
        raise ValueError(f"fields set only by the state machine: {sorted(protected)}")


def _check_pair_guards(
    contract: ContractSnapshot,
    to: ContractStatus,
    *,
    reason: str,
    at: datetime,
    candidate: ContractSnapshot,
) -> None:
    """Guards of the SPEC §5 table that depend on the move, not only on the result."""
    founder_rejection = contract.status == S.ELIGIBLE and to == S.REJECTED
    if founder_rejection and len(reason.strip()) < MIN_REJECTION_REASON:
        raise ContractRuleViolation(
            rules.REVIEW_002, "a rejection needs a reason longer than 10 characters"
        )
    if to == S.ACTIVE:
        start, end = candidate.activation_window_start, candidate.activation_window_end
        if start is None or end is None or not start <= at < end:
            raise ContractRuleViolation(
                rules.ACTIVATION_WINDOW,
                f"activation needs start <= now < end (window {start} .. {end}, now {at})",
            )
    if to == S.EXPIRED:
        expiry = contract_expiry(contract, at)
        if expiry is None or at < expiry:
            raise ContractRuleViolation(
                rules.REVIEW_006,
                f"the TTL has not run out (expires {expiry}, now {at});"
                " a paused contract does not expire",
            )


def _revalidated(candidate: ContractSnapshot) -> ContractSnapshot:
    """Re-run the snapshot's own schema (`model_copy` skips validation)."""
    try:
        return ContractSnapshot.model_validate(dict(candidate))
    except ValidationError as err:
        raise ContractRuleViolation(
            rules.CONTRACT_SCHEMA, f"the resulting contract fails its schema: {err}"
        ) from err
