"""Test data for the contract domain: events, verdicts, snapshots and decisions.

Every factory builds valid schema objects; overrides change one field at a time so a
test states only what it is about.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from govmesh.contracts.domain import ReviewContext
from govmesh.schemas import (
    Attribution,
    CapabilityDisable,
    CapabilityEnable,
    ConfigurationUpdate,
    ContractSnapshot,
    ContractStatus,
    CrmEnvelope,
    CrmEvent,
    EligibilityDecision,
    EligibilityVerdict,
    EventType,
    FounderAction,
    FounderDecision,
    HealthStatus,
    IssueType,
    Lifecycle,
    ParameterChange,
    Payload,
    ProposalAssessed,
    RecommendedAction,
    RuleResult,
    Severity,
    Source,
    SubmitterType,
    ValidatorVerdict,
)
from govmesh.schemas.contracts import AuditState

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CAPABILITY = "LOGS_LIST"


def enable(name: str = CAPABILITY, lifecycle: Lifecycle = Lifecycle.LAUNCHED) -> CapabilityEnable:
    return CapabilityEnable(capability_name=name, target_lifecycle=lifecycle)


def disable(name: str = CAPABILITY, reason: str = "noisy for the tenant") -> CapabilityDisable:
    return CapabilityDisable(capability_name=name, reason=reason)


def config_update(
    scope: str = CAPABILITY, key: str = "max_requests_per_minute", old: Any = 100, new: Any = 200
) -> ConfigurationUpdate:
    return ConfigurationUpdate(scope=scope, key=key, old_value=old, new_value=new)


def parameter_change(
    scope: str = CAPABILITY, parameters: dict[str, Any] | None = None
) -> ParameterChange:
    return ParameterChange(scope=scope, parameters=parameters or {"page_size": 50, "burst": 10})


def crm_event(
    subject: str = "Please enable LOGS_LIST for us",
    body: str = "We need log search (LOGS_LIST) enabled for our project.",
    source: Source = Source.SUPPORT_TICKET,
) -> CrmEvent:
    return CrmEvent(
        envelope=CrmEnvelope(
            event_id=uuid4(),
            schema_version="1.0.0",
            event_type=EventType.FEEDBACK,
            source=source,
            source_timestamp=T0 - HOUR,
            received_at=T0 - HOUR,
            idempotency_key=f"key-{uuid4()}",
        ),
        attribution=Attribution(
            source_system="crm",
            source_reference=f"ticket-{uuid4()}",
            submitter_type=SubmitterType.HUMAN,
        ),
        payload=Payload(subject=subject, body=body),
    )


def validator_verdict(**overrides: Any) -> ValidatorVerdict:
    fields: dict[str, Any] = {
        "issue_type": IssueType.CAPABILITY_REQUEST,
        "severity": Severity.MEDIUM,
        "affected_capabilities": [CAPABILITY],
        "recommended_action": RecommendedAction.CREATE_CONTRACT,
        "confidence_score": 0.85,
        "reason": "capability request for a registered capability",
        "evidence": ["action verb: enable", f"capability: {CAPABILITY}"],
        "analyzed_at": T0 - HOUR,
        "validator_version": "1.0.0",
        "proposed_changes": [enable()],
    }
    fields.update(overrides)
    return ValidatorVerdict(**fields)


def eligibility_verdict(
    decision: EligibilityDecision = EligibilityDecision.MAY,
    first_failing_rule: str | None = None,
    reason: str | None = None,
    missing_prerequisites: list[str] | None = None,
) -> EligibilityVerdict:
    passed = decision == EligibilityDecision.MAY
    return EligibilityVerdict(
        decision=decision,
        reason=reason or ("All eligibility rules passed" if passed else "Confidence too low"),
        rules_evaluated=[RuleResult(rule="E-104", passed=True, reason="healthy")],
        first_failing_rule=first_failing_rule,
        missing_prerequisites=missing_prerequisites or [],
        evaluated_at=T0 - HOUR,
        rules_version="1.0.0",
        context_versions={"registry": 3, "health": 7},
    )


def assessed(
    *,
    verdict: ValidatorVerdict | None = None,
    eligibility: EligibilityVerdict | None = None,
    event: CrmEvent | None = None,
    contract_id: UUID | None = None,
    parent_contract_id: UUID | None = None,
) -> ProposalAssessed:
    return ProposalAssessed(
        issue_id=uuid4(),
        event=event or crm_event(),
        verdict=verdict or validator_verdict(),
        eligibility=eligibility or eligibility_verdict(),
        contract_id=contract_id,
        parent_contract_id=parent_contract_id,
    )


def snapshot(
    status: ContractStatus = ContractStatus.ELIGIBLE, **overrides: Any
) -> ContractSnapshot:
    """A contract stored in `status`, built directly (guards of later states not filled in)."""
    verdict = validator_verdict()
    fields: dict[str, Any] = {
        "contract_id": uuid4(),
        "version": 3,
        "issue_id": uuid4(),
        "source": Source.SUPPORT_TICKET,
        "status": status,
        "title": "Please enable LOGS_LIST for us",
        "description": "We need log search enabled.",
        "proposed_changes": verdict.proposed_changes,
        "affected_capabilities": [CAPABILITY],
        "risk_level": Severity.MEDIUM,
        "validator_verdict": verdict,
        "eligibility_verdict": eligibility_verdict(),
        "confidence_score": verdict.confidence_score,
        "created_by": "contracts",
        "created_at": T0,
        "updated_at": T0,
        "expires_at": T0 + 7 * DAY,
        "execution_constraints": {"max_duration_ms": 60_000},
    }
    fields.update(overrides)
    return ContractSnapshot(**fields)


def approved_fields(founders: tuple[str, ...] = ("alice",)) -> dict[str, Any]:
    """Fields an approval sets: approver, time and a window T0 .. T0 + 24 h."""
    return {
        "approved_by": list(founders),
        "approved_at": T0,
        "activation_window_start": T0,
        "activation_window_end": T0 + DAY,
    }


def approved(**overrides: Any) -> ContractSnapshot:
    return snapshot(ContractStatus.APPROVED, **{**approved_fields(), **overrides})


def active(**overrides: Any) -> ContractSnapshot:
    fields = {**approved_fields(), "job_id": uuid4()}
    return snapshot(ContractStatus.ACTIVE, **{**fields, **overrides})


def completed(**overrides: Any) -> ContractSnapshot:
    fields = {**approved_fields(), "job_id": uuid4(), "audit_verdict": AuditState.PASS}
    return snapshot(ContractStatus.COMPLETED, **{**fields, **overrides})


def decision(
    contract: ContractSnapshot,
    action: FounderAction,
    founder: str = "alice",
    **overrides: Any,
) -> FounderDecision:
    fields: dict[str, Any] = {
        "decision_id": uuid4(),
        "contract_id": contract.contract_id,
        "action": action,
        "founder": founder,
        "session_id": f"session-{founder}",
        "decided_at": T0 + HOUR,
    }
    fields.update(overrides)
    return FounderDecision(**fields)


def context(**overrides: Any) -> ReviewContext:
    fields: dict[str, Any] = {"system_health": HealthStatus.HEALTHY}
    fields.update(overrides)
    return ReviewContext(**fields)
