"""Builders for eligibility tests: valid messages with defaults that pass every rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from govmesh.eligibility.domain import (
    EligibilityConfig,
    EligibilityContext,
    apply_contract,
    apply_health,
    apply_registry,
    apply_signal,
    evaluate,
)
from govmesh.schemas import (
    SYSTEM_SCOPE,
    Attribution,
    CapabilityEnable,
    ConfigurationUpdate,
    ContractLifecycle,
    ContractSnapshot,
    ContractStatus,
    CrmEnvelope,
    CrmEvent,
    EligibilityDecision,
    EligibilityVerdict,
    EventType,
    GovernanceSignal,
    HealthSignal,
    HealthStatus,
    IssueType,
    Lifecycle,
    Payload,
    ProposalValidated,
    ProposedChange,
    RecommendedAction,
    RegistryState,
    RuleResult,
    Severity,
    SignalType,
    Source,
    SubmitterType,
    Transition,
    ValidatorVerdict,
)

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
CAPABILITY = "LOGS_LIST"
OTHER_CAPABILITY = "INCIDENT_DETAIL"
REGISTRY = (CAPABILITY, OTHER_CAPABILITY, "RATE_LIMITS")
_NS = UUID("6f0c8a53-7a8e-4c54-9a43-3f8e0b1c2d10")


def uid(label: str) -> UUID:
    """A stable UUID per label, so tests are deterministic."""
    return uuid5(_NS, label)


def crm_event(source: Source = Source.CRM_FEEDBACK, label: str = "event") -> CrmEvent:
    return CrmEvent(
        envelope=CrmEnvelope(
            event_id=uid(label),
            schema_version="1.0.0",
            event_type=EventType.FEEDBACK,
            source=source,
            source_timestamp=NOW - timedelta(hours=1),
            received_at=NOW - timedelta(minutes=59),
            idempotency_key=f"key-{label}",
        ),
        attribution=Attribution(
            source_system="crm",
            source_reference=f"ref-{label}",
            submitter_type=SubmitterType.HUMAN,
        ),
        payload=Payload(subject="Please enable log search", body="Turn on LOGS_LIST for us."),
    )


def enable(name: str = CAPABILITY) -> CapabilityEnable:
    return CapabilityEnable(capability_name=name, target_lifecycle=Lifecycle.PREVIEW)


def system_update() -> ConfigurationUpdate:
    return ConfigurationUpdate(
        scope=SYSTEM_SCOPE, key="max_requests_per_minute", old_value=100, new_value=200
    )


_UNSET: Any = object()


def validator_verdict(
    *,
    issue_type: IssueType = IssueType.CAPABILITY_REQUEST,
    severity: Severity = Severity.MEDIUM,
    capabilities: tuple[str, ...] = (CAPABILITY,),
    action: RecommendedAction = RecommendedAction.CREATE_CONTRACT,
    confidence: float = 0.85,
    changes: list[ProposedChange] | None = _UNSET,
    changes_reason: str | None = None,
) -> ValidatorVerdict:
    return ValidatorVerdict(
        issue_type=issue_type,
        severity=severity,
        affected_capabilities=list(capabilities),
        recommended_action=action,
        confidence_score=confidence,
        reason="capability request with a clear action verb",
        evidence=["indicator:enable"],
        analyzed_at=NOW - timedelta(minutes=1),
        validator_version="1.0.0",
        proposed_changes=[enable(name) for name in capabilities] if changes is _UNSET else changes,
        proposed_changes_reason=changes_reason,
    )


def proposal(
    verdict: ValidatorVerdict | None = None,
    *,
    source: Source = Source.CRM_FEEDBACK,
    issue: str = "issue",
    contract_id: UUID | None = None,
    parent_contract_id: UUID | None = None,
    **verdict_fields: Any,
) -> ProposalValidated:
    """A proposal that passes every rule against `context()` unless told otherwise."""
    return ProposalValidated(
        issue_id=uid(issue),
        event=crm_event(source, label=issue),
        verdict=verdict if verdict is not None else validator_verdict(**verdict_fields),
        contract_id=contract_id,
        parent_contract_id=parent_contract_id,
    )


def registry_state(name: str, *, frozen: bool = False, revision: int = 1) -> RegistryState:
    return RegistryState(
        name=name,
        enabled=True,
        lifecycle=Lifecycle.LAUNCHED,
        frozen=frozen,
        revision=revision,
        updated_at=NOW - timedelta(days=1),
    )


def governance_signal(
    scope: str,
    signal_type: SignalType,
    *,
    active: bool = True,
    expires_at: datetime | None = None,
) -> GovernanceSignal:
    return GovernanceSignal(
        scope=scope,
        signal_type=signal_type,
        active=active,
        issued_by="founder@console",
        reason="test signal",
        issued_at=NOW - timedelta(hours=2),
        expires_at=expires_at,
    )


def health_signal(
    status: HealthStatus = HealthStatus.HEALTHY,
    *,
    scope: str = SYSTEM_SCOPE,
    valid_until: datetime = NOW + timedelta(minutes=5),
    observed_at: datetime = NOW - timedelta(seconds=30),
) -> HealthSignal:
    return HealthSignal(
        scope=scope,
        status=status,
        source="probe",
        reason="test health",
        observed_at=observed_at,
        valid_until=valid_until,
    )


def contract_lifecycle(
    label: str,
    *,
    status: ContractStatus = ContractStatus.ELIGIBLE,
    capabilities: tuple[str, ...] = (CAPABILITY,),
    created_at: datetime = NOW - timedelta(hours=1),
    issue: str | None = None,
    version: int = 1,
) -> ContractLifecycle:
    verdict = validator_verdict(capabilities=capabilities)
    snapshot = ContractSnapshot(
        contract_id=uid(label),
        version=version,
        issue_id=uid(issue or f"issue-of-{label}"),
        source=Source.CRM_FEEDBACK,
        status=status,
        title="Enable capability",
        description="From a CRM request",
        proposed_changes=verdict.proposed_changes,
        affected_capabilities=list(capabilities),
        risk_level=Severity.MEDIUM,
        validator_verdict=verdict,
        eligibility_verdict=EligibilityVerdict(
            decision=EligibilityDecision.MAY,
            reason="All eligibility rules passed",
            rules_evaluated=[],
            evaluated_at=created_at,
            rules_version="1.0.0",
            context_versions={},
        ),
        confidence_score=verdict.confidence_score,
        created_by="contracts",
        created_at=created_at,
        updated_at=created_at,
    )
    transition = Transition(
        from_status=None, to_status=status, actor="contracts", reason="test", at=created_at
    )
    return ContractLifecycle(contract=snapshot, transition=transition)


def context(
    *,
    registry: tuple[str, ...] = REGISTRY,
    health: HealthSignal | None = _UNSET,
) -> EligibilityContext:
    """A context folded from messages: the registry and a fresh HEALTHY SYSTEM signal."""
    ctx = EligibilityContext()
    for offset, name in enumerate(registry):
        ctx = apply_registry(ctx, registry_state(name), offset)
    chosen = health_signal() if health is _UNSET else health
    if chosen is not None:
        ctx = apply_health(ctx, chosen, 0)
    return ctx


def with_signals(ctx: EligibilityContext, *signals: GovernanceSignal) -> EligibilityContext:
    """Fold signals in after whatever the context already reflects."""
    start = ctx.signal_positions.get(0, -1) + 1
    for offset, signal in enumerate(signals, start=start):
        ctx = apply_signal(ctx, signal, offset)
    return ctx


def with_contracts(ctx: EligibilityContext, *messages: ContractLifecycle) -> EligibilityContext:
    """Fold contract lifecycle messages in after whatever the context already reflects."""
    start = ctx.contract_positions.get(0, -1) + 1
    for offset, message in enumerate(messages, start=start):
        ctx = apply_contract(ctx, message, offset)
    return ctx


def assess(
    subject: ProposalValidated,
    ctx: EligibilityContext | None = None,
    config: EligibilityConfig | None = None,
    now: datetime = NOW,
) -> EligibilityVerdict:
    """`evaluate` with the default context and configuration."""
    return evaluate(subject, context() if ctx is None else ctx, config or EligibilityConfig(), now)


def result_of(verdict: EligibilityVerdict, rule_id: str) -> RuleResult:
    """The recorded result of one rule; every rule is always recorded."""
    (result,) = [r for r in verdict.rules_evaluated if r.rule == rule_id]
    return result
