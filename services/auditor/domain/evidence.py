"""What the auditor judges (SPEC §8): one completed job, its contract and the world after it.

The evidence is assembled from the job's FINISHED `JobEvent` (steps, health and registry
before and after, start and finish), the contract (`proposed_changes`, affected
capabilities, activation window), the governance signals for the job's scope as they stand
after the job, and whether the auditor's own health view is available. Nothing in it is
read from a clock, so the same evidence always yields the same verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from govmesh.auditor.domain.errors import AuditorRefusal
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractSnapshot,
    GovernanceSignal,
    HealthStatus,
    JobEvent,
    JobEventKind,
    JobKind,
    JobStatus,
    ProposedChange,
    StepRecord,
)

# A job whose FINISHED event says COMPLETED may already be marked AUDIT_PENDING by the time
# the auditor reads it; both describe a job that ran every step.
_AUDITABLE = frozenset({JobStatus.COMPLETED, JobStatus.AUDIT_PENDING})


@dataclass(frozen=True)
class Evidence:
    """Everything checks A-001…A-007 look at; immutable and clock-free."""

    job_id: UUID
    contract_id: UUID
    steps: tuple[StepRecord, ...]
    started_at: datetime | None
    finished_at: datetime | None
    health_before: Mapping[str, HealthStatus] | None
    health_after: Mapping[str, HealthStatus] | None
    health_available: bool
    registry_before: Mapping[str, Any] | None
    registry_after: Mapping[str, Any] | None
    proposed_changes: tuple[ProposedChange, ...]
    affected_capabilities: tuple[str, ...]
    window_start: datetime | None
    window_end: datetime | None
    signals: tuple[GovernanceSignal, ...]
    # Context the auditor saw at audit time; recorded as evidence, not judged by any check
    # except through `health_available`.
    health_at_audit: Mapping[str, HealthStatus] | None = None
    registry_at_audit: Mapping[str, Any] | None = None

    @property
    def scope(self) -> frozenset[str]:
        """The scopes the job may touch: the contract's capabilities and SYSTEM (JOB-001)."""
        return frozenset({*self.affected_capabilities, SYSTEM_SCOPE})


def _relevant_signals(
    signals: Iterable[GovernanceSignal], scopes: frozenset[str]
) -> tuple[GovernanceSignal, ...]:
    # governance.signals is compacted by scope + type: only the latest of each pair stands.
    latest: dict[tuple[str, str], GovernanceSignal] = {}
    for signal in signals:
        if signal.scope not in scopes:
            continue
        key = (signal.scope, signal.signal_type.value)
        seen = latest.get(key)
        if seen is None or signal.issued_at >= seen.issued_at:
            latest[key] = signal
    return tuple(latest[key] for key in sorted(latest))


def is_auditable(event: JobEvent) -> bool:
    """SM-002: True for the FINISHED event of an execution job that completed every step."""
    return (
        event.event is JobEventKind.FINISHED
        and event.status in _AUDITABLE
        and event.kind is JobKind.EXECUTION
    )


def build_evidence(
    event: JobEvent,
    contract: ContractSnapshot,
    signals: Iterable[GovernanceSignal],
    health_available: bool,
    *,
    health_at_audit: Mapping[str, HealthStatus] | None = None,
    registry_at_audit: Mapping[str, Any] | None = None,
) -> Evidence:
    """Assemble the evidence for one audit; refuse anything but a completed execution job.

    SM-002: an audit exists only for a completed job, so the event must be the FINISHED
    event of an execution job with status COMPLETED, and belong to `contract`.
    `health_at_audit` and `registry_at_audit` are what the auditor's own views held when
    it judged; they are kept with the evidence.
    """
    if event.event is not JobEventKind.FINISHED or event.status not in _AUDITABLE:
        raise AuditorRefusal(
            "SM-002",
            f"job {event.job_id} is {event.event.value}/{event.status.value}; "
            "an audit is only for a completed job",
        )
    if event.kind is not JobKind.EXECUTION:
        raise AuditorRefusal("SM-002", f"job {event.job_id} is a rollback job, not an execution")
    if event.contract_id != contract.contract_id:
        raise AuditorRefusal(
            "SM-002",
            f"job {event.job_id} belongs to contract {event.contract_id}, "
            f"not {contract.contract_id}",
        )
    steps = tuple(sorted(event.steps, key=lambda s: s.number))
    scopes = frozenset({*contract.affected_capabilities, SYSTEM_SCOPE, *(s.target for s in steps)})
    return Evidence(
        job_id=event.job_id,
        contract_id=event.contract_id,
        steps=steps,
        started_at=event.started_at,
        finished_at=event.finished_at,
        health_before=event.health_before,
        health_after=event.health_after,
        health_available=health_available,
        registry_before=event.registry_before,
        registry_after=event.registry_after,
        proposed_changes=tuple(contract.proposed_changes or ()),
        affected_capabilities=tuple(sorted(contract.affected_capabilities)),
        window_start=contract.activation_window_start,
        window_end=contract.activation_window_end,
        signals=_relevant_signals(signals, scopes),
        health_at_audit=dict(health_at_audit) if health_at_audit is not None else None,
        registry_at_audit=dict(registry_at_audit) if registry_at_audit is not None else None,
    )
