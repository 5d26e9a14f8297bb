"""Builders for auditor domain tests: a job that did exactly what its contract asked.

`make_evidence()` is a clean run that passes every check; tests change one thing with
`dataclasses.replace` (or the helpers below) and look at the one check that should react.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from govmesh.auditor.domain.evidence import Evidence, build_evidence
from govmesh.schemas import (
    CapabilityEnable,
    ConfigurationUpdate,
    ContractSnapshot,
    ContractStatus,
    EligibilityDecision,
    EligibilityVerdict,
    GovernanceSignal,
    HealthStatus,
    IssueType,
    JobEvent,
    JobEventKind,
    JobKind,
    JobStatus,
    Lifecycle,
    ProposedChange,
    RecommendedAction,
    Severity,
    SignalType,
    Source,
    StepRecord,
    StepStatus,
    StepType,
    ValidatorVerdict,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
JOB_ID = UUID("aaaaaaaa-0000-4000-8000-000000000001")
CONTRACT_ID = UUID("cccccccc-0000-4000-8000-000000000001")
LOGS = "LOGS_LIST"
INCIDENTS = "INCIDENT_DETAIL"
WINDOW_START = T0
WINDOW_END = T0 + timedelta(hours=1)
STARTED = T0 + timedelta(minutes=1)
FINISHED = T0 + timedelta(minutes=2)

HEALTHY = {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.HEALTHY}


def changes() -> list[ProposedChange]:
    return [
        CapabilityEnable(capability_name=LOGS, target_lifecycle=Lifecycle.LAUNCHED),
        ConfigurationUpdate(
            scope="SYSTEM", key="max_requests_per_minute", old_value=100, new_value=200
        ),
    ]


def registry_before() -> dict[str, Any]:
    return {
        LOGS: {
            "enabled": False,
            "lifecycle": "PREVIEW",
            "frozen": False,
            "qualifier": None,
            "config": {},
        },
        INCIDENTS: {
            "enabled": True,
            "lifecycle": "LAUNCHED",
            "frozen": False,
            "qualifier": None,
            "config": {"page_size": 50},
        },
        "SYSTEM": {"config": {"max_requests_per_minute": 100}},
    }


def registry_after() -> dict[str, Any]:
    after = copy.deepcopy(registry_before())
    after[LOGS].update(enabled=True, lifecycle="LAUNCHED")
    after["SYSTEM"]["config"]["max_requests_per_minute"] = 200
    return after


def step(
    number: int,
    type_: StepType,
    target: str,
    parameters: dict[str, Any],
    rollback_action: dict[str, Any] | None,
    status: StepStatus = StepStatus.COMPLETED,
) -> StepRecord:
    return StepRecord(
        number=number,
        type=type_,
        target=target,
        parameters=parameters,
        status=status,
        started_at=STARTED,
        ended_at=FINISHED,
        result={},
        rollback_action=rollback_action,
    )


def enable_logs(number: int = 1) -> StepRecord:
    return step(
        number,
        StepType.CAPABILITY_ENABLE,
        LOGS,
        {"target_lifecycle": "LAUNCHED"},
        {
            "type": "capability_disable",
            "target": LOGS,
            "parameters": {"reason": "compensation", "lifecycle": "PREVIEW"},
        },
    )


def raise_rate_limit(number: int = 2) -> StepRecord:
    return step(
        number,
        StepType.CONFIG_UPDATE,
        "SYSTEM",
        {"key": "max_requests_per_minute", "old_value": 100, "new_value": 200},
        {
            "type": "config_update",
            "target": "SYSTEM",
            "parameters": {"key": "max_requests_per_minute", "old_value": 200, "new_value": 100},
        },
    )


def record_signal(number: int = 3) -> StepRecord:
    return step(
        number,
        StepType.SIGNAL_RECORD,
        LOGS,
        {"signal_type": "CHANGE_RECORDED", "reason": "executed"},
        None,
    )


def good_steps() -> list[StepRecord]:
    return [enable_logs(), raise_rate_limit(), record_signal()]


def finished_event(**overrides: Any) -> JobEvent:
    fields: dict[str, Any] = {
        "job_id": JOB_ID,
        "contract_id": CONTRACT_ID,
        "kind": JobKind.EXECUTION,
        "event": JobEventKind.FINISHED,
        "status": JobStatus.COMPLETED,
        "at": FINISHED,
        "steps": good_steps(),
        "started_at": STARTED,
        "finished_at": FINISHED,
        "health_before": dict(HEALTHY),
        "health_after": dict(HEALTHY),
        "registry_before": registry_before(),
        "registry_after": registry_after(),
    }
    fields.update(overrides)
    return JobEvent(**fields)


def make_contract(**overrides: Any) -> ContractSnapshot:
    proposed = overrides.pop("proposed_changes", changes())
    affected = overrides.pop("affected_capabilities", [LOGS])
    validator = ValidatorVerdict(
        issue_type=IssueType.CAPABILITY_REQUEST,
        severity=Severity.MEDIUM,
        affected_capabilities=affected,
        recommended_action=RecommendedAction.CREATE_CONTRACT,
        confidence_score=0.8,
        reason="enable logs",
        evidence=["capability_request"],
        analyzed_at=T0 - timedelta(hours=2),
        validator_version="1.0.0",
        proposed_changes=proposed,
    )
    eligibility = EligibilityVerdict(
        decision=EligibilityDecision.MAY,
        reason="All rules passed",
        rules_evaluated=[],
        evaluated_at=T0 - timedelta(hours=2),
        rules_version="1.0.0",
        context_versions={},
    )
    fields: dict[str, Any] = {
        "contract_id": CONTRACT_ID,
        "version": 5,
        "issue_id": UUID("dddddddd-0000-4000-8000-000000000001"),
        "source": Source.CRM_FEEDBACK,
        "status": ContractStatus.ACTIVE,
        "title": "Enable log search",
        "description": "Customer asked for log search",
        "proposed_changes": proposed,
        "affected_capabilities": affected,
        "risk_level": Severity.MEDIUM,
        "validator_verdict": validator,
        "eligibility_verdict": eligibility,
        "confidence_score": 0.8,
        "created_by": "contracts",
        "approved_by": ["founder"],
        "approved_at": T0 - timedelta(hours=1),
        "activation_window_start": WINDOW_START,
        "activation_window_end": WINDOW_END,
        "job_id": JOB_ID,
        "created_at": T0 - timedelta(hours=3),
        "updated_at": T0,
    }
    fields.update(overrides)
    return ContractSnapshot(**fields)


def signal(
    scope: str,
    signal_type: SignalType,
    *,
    active: bool = True,
    issued_at: datetime = T0,
    expires_at: datetime | None = None,
) -> GovernanceSignal:
    return GovernanceSignal(
        scope=scope,
        signal_type=signal_type,
        active=active,
        issued_by="founder",
        reason="test",
        issued_at=issued_at,
        expires_at=expires_at,
    )


def make_evidence(**overrides: Any) -> Evidence:
    """The clean run's evidence, with any Evidence field replaced."""
    evidence = build_evidence(finished_event(), make_contract(), [], health_available=True)
    return replace(evidence, **overrides)
