"""Builders for executor domain tests: plans, requests, registries and health views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from govmesh.executor.domain.health_gate import EMPTY_HEALTH_VIEW, HealthView, apply_health
from govmesh.executor.domain.registry import CapabilityState, RegistryModel
from govmesh.executor.domain.runner import JobState
from govmesh.schemas import (
    HealthSignal,
    HealthStatus,
    JobKind,
    JobRequested,
    Lifecycle,
    PlannedStep,
    StepRecord,
    StepStatus,
    StepType,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LOGS = "LOGS_LIST"
INCIDENTS = "INCIDENT_DETAIL"
FROZEN = "BILLING_EXPORT"


def enable_step(number: int, target: str = LOGS, lifecycle: str = "LAUNCHED") -> PlannedStep:
    return PlannedStep(
        number=number,
        type=StepType.CAPABILITY_ENABLE,
        target=target,
        parameters={"target_lifecycle": lifecycle},
    )


def disable_step(number: int, target: str = INCIDENTS) -> PlannedStep:
    return PlannedStep(
        number=number,
        type=StepType.CAPABILITY_DISABLE,
        target=target,
        parameters={"reason": "requested"},
    )


def config_step(
    number: int, target: str = "SYSTEM", key: str = "max_requests_per_minute", **values: Any
) -> PlannedStep:
    parameters: dict[str, Any] = {"key": key, **values}
    if not values:
        parameters.update(old_value=100, new_value=200)
    return PlannedStep(
        number=number, type=StepType.CONFIG_UPDATE, target=target, parameters=parameters
    )


def signal_step(number: int, target: str = LOGS) -> PlannedStep:
    return PlannedStep(
        number=number,
        type=StepType.SIGNAL_RECORD,
        target=target,
        parameters={"signal_type": "CHANGE_RECORDED", "reason": "executed"},
    )


def make_request(
    steps: list[PlannedStep],
    scope: list[str] | None = None,
    *,
    max_duration_ms: int = 60_000,
    kind: JobKind = JobKind.EXECUTION,
    job_id: UUID | None = None,
    contract_id: UUID | None = None,
    rolls_back_job_id: UUID | None = None,
) -> JobRequested:
    return JobRequested(
        job_id=job_id or uuid4(),
        contract_id=contract_id or uuid4(),
        kind=kind,
        rolls_back_job_id=rolls_back_job_id,
        steps=steps,
        scope=scope if scope is not None else [LOGS, INCIDENTS],
        max_duration_ms=max_duration_ms,
        activation_window_start=T0 - timedelta(hours=1),
        activation_window_end=T0 + timedelta(hours=23),
        requested_at=T0 - timedelta(minutes=1),
    )


def three_step_request(**kwargs: Any) -> JobRequested:
    return make_request([enable_step(1), config_step(2), disable_step(3)], **kwargs)


def make_job(request: JobRequested, records: tuple[StepRecord, ...] = ()) -> JobState:
    return JobState(request=request, started_at=T0, records=records)


def record(
    step: PlannedStep,
    status: StepStatus = StepStatus.COMPLETED,
    *,
    at: datetime = T0,
    error: str | None = None,
    rollback_action: dict[str, Any] | None = None,
) -> StepRecord:
    done = status in {StepStatus.COMPLETED, StepStatus.FAILED}
    return StepRecord(
        number=step.number,
        type=step.type,
        target=step.target,
        parameters=step.parameters,
        status=status,
        started_at=at,
        ended_at=at if done else None,
        error=error,
        rollback_action=rollback_action,
    )


def health_signal(
    scope: str,
    status: HealthStatus = HealthStatus.HEALTHY,
    *,
    observed_at: datetime = T0 - timedelta(seconds=10),
    valid_for: timedelta = timedelta(minutes=5),
) -> HealthSignal:
    return HealthSignal(
        scope=scope,
        status=status,
        source="probe",
        reason="test",
        observed_at=observed_at,
        valid_until=observed_at + valid_for,
    )


def health_view(
    statuses: dict[str, HealthStatus] | None = None,
    *,
    observed_at: datetime = T0 - timedelta(seconds=10),
) -> HealthView:
    """A fresh view; by default SYSTEM and both test capabilities are HEALTHY."""
    wanted = statuses if statuses is not None else {}
    merged = {
        "SYSTEM": HealthStatus.HEALTHY,
        LOGS: HealthStatus.HEALTHY,
        INCIDENTS: HealthStatus.HEALTHY,
    }
    merged.update(wanted)
    view = EMPTY_HEALTH_VIEW
    for scope, status in merged.items():
        view = apply_health(view, health_signal(scope, status, observed_at=observed_at))
    return view


def make_registry() -> RegistryModel:
    return RegistryModel(
        capabilities={
            LOGS: CapabilityState(name=LOGS, enabled=False, lifecycle=Lifecycle.PREVIEW),
            INCIDENTS: CapabilityState(
                name=INCIDENTS,
                enabled=True,
                lifecycle=Lifecycle.LAUNCHED,
                qualifier="beta-tenants",
                config={"page_size": 50},
            ),
            FROZEN: CapabilityState(
                name=FROZEN, enabled=True, lifecycle=Lifecycle.LAUNCHED, frozen=True
            ),
        },
        system_config={"max_requests_per_minute": 100},
    )
