"""Contracts, lifecycle events and notifications for the console's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.signing import Signer
from govmesh.schemas import (
    CapabilityEnable,
    ContractLifecycle,
    ContractSnapshot,
    ContractStatus,
    EligibilityDecision,
    EligibilityVerdict,
    HealthSignal,
    HealthStatus,
    IssueType,
    Lifecycle,
    Notification,
    NotificationKind,
    Principal,
    RecommendedAction,
    RegistryState,
    RuleResult,
    Severity,
    Source,
    Transition,
    ValidatorVerdict,
)

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def contract(
    status: ContractStatus = ContractStatus.ELIGIBLE,
    *,
    contract_id: UUID | None = None,
    version: int = 3,
    at: datetime = T0,
    **changes: Any,
) -> ContractSnapshot:
    change = CapabilityEnable(capability_name="LOGS_LIST", target_lifecycle=Lifecycle.PREVIEW)
    snapshot = ContractSnapshot(
        contract_id=contract_id or uuid4(),
        version=version,
        issue_id=uuid4(),
        source=Source.CRM_FEEDBACK,
        status=status,
        title="Enable log search for acme",
        description="Turn on LOGS_LIST for the acme-prod project.",
        proposed_changes=[change],
        affected_capabilities=["LOGS_LIST"],
        risk_level=Severity.MEDIUM,
        validator_verdict=ValidatorVerdict(
            issue_type=IssueType.CAPABILITY_REQUEST,
            severity=Severity.MEDIUM,
            affected_capabilities=["LOGS_LIST"],
            recommended_action=RecommendedAction.CREATE_CONTRACT,
            confidence_score=0.85,
            reason="Capability request naming LOGS_LIST",
            evidence=["capability name"],
            analyzed_at=at,
            validator_version="1.0.0",
            proposed_changes=[change],
        ),
        eligibility_verdict=EligibilityVerdict(
            decision=EligibilityDecision.MAY,
            reason="All rules passed",
            rules_evaluated=[RuleResult(rule="E-104", passed=True, reason="System healthy")],
            evaluated_at=at,
            rules_version="1.0.0",
            context_versions={},
        ),
        confidence_score=0.85,
        created_by="contracts",
        created_at=at,
        updated_at=at,
        expires_at=at + timedelta(days=7),
    )
    return snapshot.model_copy(update=changes) if changes else snapshot


def lifecycle(
    snapshot: ContractSnapshot, from_status: ContractStatus | None = ContractStatus.VALIDATED
) -> ContractLifecycle:
    return ContractLifecycle(
        contract=snapshot,
        transition=Transition(
            from_status=from_status,
            to_status=snapshot.status,
            actor="contracts",
            reason=f"now {snapshot.status.value}",
            at=snapshot.updated_at,
        ),
    )


def refused(
    contract_id: UUID, at: datetime, rule: str = "E-104", decision_id: UUID | None = None
) -> Notification:
    return _answer(contract_id, at, NotificationKind.DECISION_REFUSED, decision_id, rule)


def recorded(contract_id: UUID, decision_id: UUID, at: datetime) -> Notification:
    return _answer(contract_id, at, NotificationKind.DECISION_RECORDED, decision_id, None)


def _answer(
    contract_id: UUID,
    at: datetime,
    kind: NotificationKind,
    decision_id: UUID | None,
    rule: str | None,
) -> Notification:
    """Contracts' answer to a founder decision, as the console's view receives it."""
    return Notification(
        notification_id=uuid4(),
        contract_id=contract_id,
        kind=kind,
        audience="founder",
        message=f"{kind.value}: system health is DEGRADED",
        rule=rule,
        decision_id=decision_id,
        at=at,
    )


def delivery(message: Any, principal: Principal = Principal.CONTRACTS, offset: int = 0) -> Delivery:
    """A verified delivery as the consumer hands it to a view."""
    signer = Signer(principal, Ed25519PrivateKey.generate())
    return Delivery("test", 0, offset, None, make_envelope(message, signer), message)


def registry_record(
    name: str,
    *,
    enabled: bool = True,
    lifecycle: Lifecycle | None = Lifecycle.LAUNCHED,
    frozen: bool = False,
    qualifier: str | None = None,
    revision: int = 1,
) -> RegistryState:
    """A capability's record as the executor publishes it on `registry.state`."""
    return RegistryState(
        name=name,
        enabled=enabled,
        lifecycle=lifecycle,
        frozen=frozen,
        qualifier=qualifier,
        revision=revision,
        updated_at=T0,
    )


def health_signal(
    scope: str,
    status: HealthStatus,
    *,
    source: str = "baseline",
    observed_at: datetime = T0,
    valid_for_s: int = 3600,
) -> HealthSignal:
    """A health signal as the health service publishes it on `health.signals`."""
    return HealthSignal(
        scope=scope,
        status=status,
        source=source,
        reason=f"{scope} is {status.value}",
        observed_at=observed_at,
        valid_until=observed_at + timedelta(seconds=valid_for_s),
    )
