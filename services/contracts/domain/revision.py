"""MODIFY_SCOPE revisions: the new contract at DRAFT, then its fresh assessment (REVIEW-005).

The revision exists from the founder's decision on, at DRAFT with `parent_contract_id`
set, so its lineage and TTL are visible before the Validator answers. Earlier verdicts
do not carry over: until its own assessment arrives the draft holds explicit *pending*
verdicts (validator version 0.0.0, confidence 0.0, eligibility MAY_NOT "awaiting"),
which no rule can mistake for a judgement — a DRAFT is never reviewed or executed.
When `proposals.assessed` names the revision, `assess_revision` replaces both verdicts
and takes the draft DRAFT → VALIDATED → ELIGIBLE or REJECTED exactly like a new contract.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.creation import decide_eligibility
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.machine import advance, require_aware
from govmesh.contracts.domain.review import Revision
from govmesh.contracts.domain.ttl import DEFAULT_TTL
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    EligibilityDecision,
    EligibilityVerdict,
    IssueType,
    Principal,
    ProposalAssessed,
    RecommendedAction,
    Severity,
    Transition,
    ValidatorVerdict,
)
from govmesh.schemas.changes import change_target
from govmesh.schemas.contracts import AuditState

S = ContractStatus

#: Marks a verdict that has not been given yet (never a real validator or rules version).
PENDING_VERSION = "0.0.0"


def draft_revision(
    parent: ContractSnapshot, revision: Revision, ttl: timedelta = DEFAULT_TTL
) -> tuple[ContractSnapshot, Transition]:
    """The revision's DRAFT (— → DRAFT) with the founder's proposed_changes and pending verdicts.

    `parent` is the contract the revision supersedes; title, description, source, risk
    level and execution constraints are kept from it, `expires_at` = revised_at + ttl.
    """
    now = revision.revised_at
    require_aware(now)
    if revision.parent_contract_id != parent.contract_id:
        raise ContractRuleViolation(
            rules.CONTRACT_ID_MISMATCH,
            f"revision {revision.contract_id} revises {revision.parent_contract_id},"
            f" not {parent.contract_id}",
        )
    reason = f"scope revised by {revision.revised_by}; awaiting the Validator (REVIEW-005)"
    capabilities = list(dict.fromkeys(change_target(c) for c in revision.proposed_changes))
    draft = ContractSnapshot(
        contract_id=revision.contract_id,
        version=1,
        parent_contract_id=parent.contract_id,
        issue_id=parent.issue_id,
        source=parent.source,
        status=S.DRAFT,
        status_reason=reason,
        title=parent.title,
        description=parent.description,
        proposed_changes=revision.proposed_changes,
        affected_capabilities=capabilities,
        risk_level=parent.risk_level,
        validator_verdict=_pending_validator_verdict(revision, capabilities, parent.risk_level),
        eligibility_verdict=_pending_eligibility_verdict(now),
        confidence_score=0.0,
        created_by=revision.revised_by,
        execution_constraints=dict(parent.execution_constraints),
        audit_verdict=AuditState.PENDING,
        created_at=now,
        updated_at=now,
        expires_at=now + ttl,
    )
    created = Transition(
        from_status=None,
        to_status=S.DRAFT,
        actor=revision.revised_by,
        reason=reason,
        at=now,
        causation_id=None,
    )
    return draft, created


def assess_revision(
    draft: ContractSnapshot,
    assessed: ProposalAssessed,
    now: datetime,
    *,
    causation_id: UUID | None = None,
    duplicate_of: UUID | None = None,
) -> tuple[ContractSnapshot, list[Transition]]:
    """DRAFT → VALIDATED → ELIGIBLE / REJECTED for a stored revision, with its own verdicts.

    Refuses an assessment for another contract (CONTRACT-ID-MISMATCH) and, through the
    machine, a draft that has moved on (CONTRACT-001 / CONTRACT-005).
    """
    if assessed.contract_id != draft.contract_id:
        raise ContractRuleViolation(
            rules.CONTRACT_ID_MISMATCH,
            f"the proposal names contract {assessed.contract_id}, not {draft.contract_id}",
        )
    verdict = assessed.verdict
    validated, to_validated = advance(
        draft,
        S.VALIDATED,
        actor=Principal.VALIDATOR.value,
        reason=f"validator verdict recorded ({verdict.validator_version}): {verdict.reason}",
        at=now,
        causation_id=causation_id,
        changes={
            "validator_verdict": verdict,
            "eligibility_verdict": assessed.eligibility,
            "proposed_changes": verdict.proposed_changes,
            "affected_capabilities": list(dict.fromkeys(verdict.affected_capabilities)),
            "risk_level": verdict.severity,
            "confidence_score": verdict.confidence_score,
        },
    )
    final, decided = decide_eligibility(validated, assessed, now, causation_id, duplicate_of)
    return final, [to_validated, decided]


def _pending_validator_verdict(
    revision: Revision, capabilities: list[str], severity: Severity
) -> ValidatorVerdict:
    return ValidatorVerdict(
        issue_type=IssueType.UNKNOWN,
        severity=severity,
        affected_capabilities=capabilities,
        recommended_action=RecommendedAction.DEFER,
        confidence_score=0.0,
        reason=f"pending: revision of contract {revision.parent_contract_id} awaits the Validator",
        evidence=[],
        analyzed_at=revision.revised_at,
        validator_version=PENDING_VERSION,
        proposed_changes=revision.proposed_changes,
    )


def _pending_eligibility_verdict(now: datetime) -> EligibilityVerdict:
    return EligibilityVerdict(
        decision=EligibilityDecision.MAY_NOT,
        reason="pending: awaiting Eligibility after the Validator (REVIEW-005)",
        rules_evaluated=[],
        evaluated_at=now,
        rules_version=PENDING_VERSION,
        context_versions={},
    )
