"""Validator and Eligibility verdicts (SPEC §3, §4) and the proposals carrying them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from govmesh.schemas.changes import ProposedChanges
from govmesh.schemas.common import IssueType, Message, Model, RecommendedAction, Severity
from govmesh.schemas.crm import CrmEvent

Confidence = Annotated[float, Field(ge=0.0, le=1.0, multiple_of=0.01)]
SemVer = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]


class ValidatorVerdict(Model):
    issue_type: IssueType
    severity: Severity
    affected_capabilities: list[str]
    recommended_action: RecommendedAction
    confidence_score: Confidence
    reason: str = Field(min_length=1)
    evidence: list[str]
    analyzed_at: AwareDatetime
    validator_version: SemVer
    proposed_changes: ProposedChanges | None = None
    proposed_changes_reason: str | None = None


class ProposalValidated(Message):
    """An issue (or a founder revision of it) with the Validator's advisory verdict."""

    TYPE = "ProposalValidated"

    issue_id: UUID
    event: CrmEvent
    verdict: ValidatorVerdict
    contract_id: UUID | None = None
    parent_contract_id: UUID | None = None


class EligibilityDecision(StrEnum):
    MAY = "MAY"
    MAY_NOT = "MAY_NOT"


class RuleResult(Model):
    rule: str
    passed: bool
    reason: str


class EligibilityVerdict(Model):
    decision: EligibilityDecision
    reason: str = Field(min_length=1)
    rules_evaluated: list[RuleResult]
    first_failing_rule: str | None = None
    blocking_signals: list[str] = Field(default_factory=list)
    missing_prerequisites: list[str] = Field(default_factory=list)
    evaluated_at: AwareDatetime
    rules_version: SemVer
    context_versions: dict[str, Any]


class ProposalAssessed(Message):
    """A validated proposal with its eligibility verdict, for the contract authority."""

    TYPE = "ProposalAssessed"

    issue_id: UUID
    event: CrmEvent
    verdict: ValidatorVerdict
    eligibility: EligibilityVerdict
    contract_id: UUID | None = None
    parent_contract_id: UUID | None = None
