"""Contract state (SPEC §5) as published by the contract authority, and founder decisions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from govmesh.schemas.changes import ProposedChanges
from govmesh.schemas.common import Message, Model, Severity, Source
from govmesh.schemas.proposals import Confidence, EligibilityVerdict, ValidatorVerdict


class ContractStatus(StrEnum):
    DRAFT = "DRAFT"
    VALIDATED = "VALIDATED"
    ELIGIBLE = "ELIGIBLE"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"


class AuditState(StrEnum):
    PENDING = "PENDING"
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


class Transition(Model):
    from_status: ContractStatus | None
    to_status: ContractStatus
    actor: str
    reason: str
    at: AwareDatetime
    causation_id: UUID | None = None


class ContractSnapshot(Model):
    """The full contract record after a transition (compacted by contract id)."""

    contract_id: UUID
    version: int = Field(ge=1)
    parent_contract_id: UUID | None = None
    issue_id: UUID
    source: Source
    status: ContractStatus
    status_reason: str | None = None
    title: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    proposed_changes: ProposedChanges | None = None
    affected_capabilities: list[str]
    risk_level: Severity
    validator_verdict: ValidatorVerdict
    eligibility_verdict: EligibilityVerdict
    confidence_score: Confidence
    created_by: str
    approved_by: list[str] = Field(default_factory=list)
    approved_at: AwareDatetime | None = None
    activation_window_start: AwareDatetime | None = None
    activation_window_end: AwareDatetime | None = None
    execution_constraints: dict[str, Any] = Field(default_factory=dict)
    clarification_request: str | None = None
    clarification_requested_at: AwareDatetime | None = None
    job_id: UUID | None = None
    audit_verdict: AuditState = AuditState.PENDING
    audit_reason: str | None = None
    audit_completed_at: AwareDatetime | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    expires_at: AwareDatetime | None = None


class ContractLifecycle(Message):
    TYPE = "ContractLifecycle"

    contract: ContractSnapshot
    transition: Transition


class FounderAction(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REQUEST_CLARIFICATION = "REQUEST_CLARIFICATION"
    PROVIDE_CLARIFICATION = "PROVIDE_CLARIFICATION"
    MODIFY_SCOPE = "MODIFY_SCOPE"
    RESOLVE_AUDIT = "RESOLVE_AUDIT"
    ACKNOWLEDGE_AUDIT = "ACKNOWLEDGE_AUDIT"
    ACKNOWLEDGE_INCIDENT = "ACKNOWLEDGE_INCIDENT"
    CANCEL_JOB = "CANCEL_JOB"


class FounderDecision(Message):
    """A founder's action (REVIEW-004: actor, time, reason or modifications, session)."""

    TYPE = "FounderDecision"

    decision_id: UUID
    contract_id: UUID
    action: FounderAction
    founder: str = Field(min_length=1, max_length=100)
    session_id: str = Field(min_length=1, max_length=200)
    decided_at: AwareDatetime
    reason: str | None = Field(default=None, max_length=4000)
    activation_window_start: AwareDatetime | None = None
    activation_window_end: AwareDatetime | None = None
    proposed_changes: ProposedChanges | None = None
    request: str | None = Field(default=None, max_length=4000)
    audit_id: UUID | None = None
    job_id: UUID | None = None
    incident_id: UUID | None = None
