"""Governance jobs (SPEC §7): the plan contracts request and what executors report."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import HealthStatus, Message, Model


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    AUDIT_PENDING = "AUDIT_PENDING"
    ROLLBACK_PENDING = "ROLLBACK_PENDING"
    ROLLED_BACK = "ROLLED_BACK"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"


class StepStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class StepType(StrEnum):
    CAPABILITY_ENABLE = "capability_enable"
    CAPABILITY_DISABLE = "capability_disable"
    CONFIG_UPDATE = "config_update"
    SIGNAL_RECORD = "signal_record"


class JobKind(StrEnum):
    EXECUTION = "execution"
    ROLLBACK = "rollback"


class PlannedStep(Model):
    number: int = Field(ge=1)
    type: StepType
    target: str = Field(min_length=1)
    parameters: dict[str, Any]
    rollback_action: dict[str, Any] | None = None
    adapter: str = "registry"


class JobRequested(Message):
    """Exactly one per activated contract (SM-006); the plan comes only from proposed_changes."""

    TYPE = "JobRequested"

    job_id: UUID
    contract_id: UUID
    kind: JobKind = JobKind.EXECUTION
    rolls_back_job_id: UUID | None = None
    steps: list[PlannedStep] = Field(min_length=1)
    scope: list[str]
    max_duration_ms: int = Field(gt=0)
    activation_window_start: AwareDatetime
    activation_window_end: AwareDatetime
    requested_at: AwareDatetime


class JobCancelRequested(Message):
    """A founder's cancel of a job that has not started (SPEC §7: only PENDING → CANCELLED)."""

    TYPE = "JobCancelRequested"

    job_id: UUID
    contract_id: UUID
    requested_by: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=4000)
    requested_at: AwareDatetime


class StepRecord(Model):
    number: int = Field(ge=1)
    type: StepType
    target: str
    parameters: dict[str, Any]
    status: StepStatus
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    rollback_action: dict[str, Any] | None = None


class JobEventKind(StrEnum):
    STARTED = "STARTED"
    STEP = "STEP"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"


class JobEvent(Message):
    """A job's progress; FINISHED carries the evidence the auditor needs."""

    TYPE = "JobEvent"

    job_id: UUID
    contract_id: UUID
    kind: JobKind
    event: JobEventKind
    status: JobStatus
    at: AwareDatetime
    step: StepRecord | None = None
    steps: list[StepRecord] = Field(default_factory=list)
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    error: str | None = None
    health_before: dict[str, HealthStatus] | None = None
    health_after: dict[str, HealthStatus] | None = None
    registry_before: dict[str, Any] | None = None
    registry_after: dict[str, Any] | None = None
    rolls_back_job_id: UUID | None = None
