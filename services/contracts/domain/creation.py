"""Creating a contract from an assessed proposal (SPEC §5 steps 4; — → DRAFT → VALIDATED → …).

Decision on escalations and deferrals: the contract authority does not re-judge. The
eligibility verdict alone decides ELIGIBLE (MAY) or REJECTED (MAY_NOT, with the first
failing rule as the reason). Under rules 1.0.0 an `escalate` or `defer` recommendation
never reaches MAY (E-004, E-101, E-001 fire first), so such proposals are rejected; if a
future rule set lets one through, it still needs a founder's approval. Independently,
`needs_escalation_notice` tells the caller to notify founders (VAL-005) for every
escalation, whatever eligibility said — the notice is information, not authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.machine import advance, require_aware
from govmesh.contracts.domain.ttl import DEFAULT_TTL
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    EligibilityDecision,
    IssueType,
    Principal,
    ProposalAssessed,
    RecommendedAction,
    Severity,
    Transition,
)
from govmesh.schemas.contracts import AuditState

S = ContractStatus

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
DEFAULT_MAX_DURATION_MS = 60_000
_ELLIPSIS = "…"


def needs_escalation_notice(assessed: ProposalAssessed) -> bool:
    """True when founders must be told about this proposal whatever its outcome (VAL-005).

    Escalations (type or recommended action) and critical severity (E-101: critical issues
    must be escalated) qualify; deferrals do not — they are rejected and visible as such.
    """
    verdict = assessed.verdict
    return (
        verdict.issue_type == IssueType.ESCALATION
        or verdict.recommended_action == RecommendedAction.ESCALATE
        or verdict.severity == Severity.CRITICAL
    )


def rejection_reason(assessed: ProposalAssessed) -> str:
    """The REJECTED reason for MAY_NOT: the first failing rule, then its reason."""
    eligibility = assessed.eligibility
    if eligibility.first_failing_rule:
        return f"{eligibility.first_failing_rule}: {eligibility.reason}"
    if eligibility.missing_prerequisites:
        missing = ", ".join(eligibility.missing_prerequisites)
        return f"missing prerequisites ({missing}): {eligibility.reason}"
    return eligibility.reason


def create_from_assessment(
    assessed: ProposalAssessed,
    contract_id: UUID,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    *,
    causation_id: UUID | None = None,
    execution_constraints: Mapping[str, Any] | None = None,
    duplicate_of: UUID | None = None,
) -> tuple[ContractSnapshot, list[Transition]]:
    """Create the contract for `assessed` and take it as far as machines may.

    Returns the final snapshot and the transitions that led there: — → DRAFT → VALIDATED
    → ELIGIBLE (eligibility MAY) or → REJECTED (MAY_NOT; reason = first failing rule).
    A MAY without proposed_changes is refused by CONTRACT-006 and stored as REJECTED
    instead, naming that rule: the authority fails closed on an inconsistent input.
    `expires_at` = `now` + `ttl` (default 7 days, REVIEW-006). `contract_id` must match
    `assessed.contract_id` when that is set (a founder revision names its contract).
    `duplicate_of` names the open contract already holding a capability claim (E-006, the
    race-free half decided by the database): a MAY then ends REJECTED naming E-006.
    """
    require_aware(now)
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    if assessed.contract_id is not None and assessed.contract_id != contract_id:
        raise ContractRuleViolation(
            rules.CONTRACT_ID_MISMATCH,
            f"the proposal names contract {assessed.contract_id}, not {contract_id}",
        )
    verdict = assessed.verdict
    constraints: dict[str, Any] = {"max_duration_ms": DEFAULT_MAX_DURATION_MS}
    constraints.update(execution_constraints or {})
    draft = ContractSnapshot(
        contract_id=contract_id,
        version=1,
        parent_contract_id=assessed.parent_contract_id,
        issue_id=assessed.issue_id,
        source=assessed.event.envelope.source,
        status=S.DRAFT,
        status_reason="proposal received",
        title=_title(assessed),
        description=_clip(assessed.event.payload.body.strip(), DESCRIPTION_MAX),
        proposed_changes=verdict.proposed_changes,
        affected_capabilities=list(dict.fromkeys(verdict.affected_capabilities)),
        risk_level=verdict.severity,
        validator_verdict=verdict,
        eligibility_verdict=assessed.eligibility,
        confidence_score=verdict.confidence_score,
        created_by=Principal.CONTRACTS.value,
        execution_constraints=constraints,
        audit_verdict=AuditState.PENDING,
        created_at=now,
        updated_at=now,
        expires_at=now + ttl,
    )
    created = Transition(
        from_status=None,
        to_status=S.DRAFT,
        actor=Principal.CONTRACTS.value,
        reason="proposal received",
        at=now,
        causation_id=causation_id,
    )
    validated, to_validated = advance(
        draft,
        S.VALIDATED,
        actor=Principal.VALIDATOR.value,
        reason=f"validator verdict recorded ({verdict.validator_version}): {verdict.reason}",
        at=now,
        causation_id=causation_id,
        changes={},
    )
    final, decided = decide_eligibility(validated, assessed, now, causation_id, duplicate_of)
    return final, [created, to_validated, decided]


def duplicate_reason(holder: UUID) -> str:
    """The REJECTED reason when another open contract holds a claimed capability (E-006)."""
    return f"{rules.E_006}: Similar contract already pending: {holder}"


def decide_eligibility(
    validated: ContractSnapshot,
    assessed: ProposalAssessed,
    now: datetime,
    causation_id: UUID | None,
    duplicate_of: UUID | None = None,
) -> tuple[ContractSnapshot, Transition]:
    """VALIDATED → ELIGIBLE (MAY) or → REJECTED (MAY_NOT, CONTRACT-006, or E-006 claim)."""
    actor = Principal.ELIGIBILITY.value
    if assessed.eligibility.decision == EligibilityDecision.MAY and duplicate_of is not None:
        reason = duplicate_reason(duplicate_of)
        actor = Principal.CONTRACTS.value
    elif assessed.eligibility.decision == EligibilityDecision.MAY:
        try:
            return advance(
                validated,
                S.ELIGIBLE,
                actor=actor,
                reason=f"eligibility MAY: {assessed.eligibility.reason}",
                at=now,
                causation_id=causation_id,
                changes={},
            )
        except ContractRuleViolation as refusal:
            reason = f"{refusal.rule}: eligible proposal refused — {refusal.message}"
            actor = Principal.CONTRACTS.value
    else:
        reason = rejection_reason(assessed)
    return advance(
        validated,
        S.REJECTED,
        actor=actor,
        reason=reason,
        at=now,
        causation_id=causation_id,
        changes={},
    )


def _title(assessed: ProposalAssessed) -> str:
    subject = " ".join(assessed.event.payload.subject.split())
    return _clip(subject or f"Issue {assessed.issue_id}", TITLE_MAX)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(_ELLIPSIS)] + _ELLIPSIS
