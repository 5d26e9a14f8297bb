"""The outcome of an ACTIVE contract: job result, audit verdict, rollback, bake (SPEC §5, §8, §9).

Pure rules the outcome use cases apply; the contract's own moves stay in `lifecycle`
(`apply_audit_verdict`) and `machine.transition`:

- a failed execution job fails the contract (SPEC §5 ACTIVE → FAILED "job failed"); the
  executor compensates by itself (JOB-003), so contracts only tracks that rollback;
- an audit FAIL fails it and contracts requests the rollback of the completed steps
  (SM-004, JOB-006) — `rollback_for`;
- an INCONCLUSIVE verdict escalates to a human. `RESOLVE_AUDIT` closes it with the
  founder's context; the verdict itself never changes (AUDIT-004) and a human is no
  audit PASS (SM-003, CONTRACT-004, PART2-004), so the resolution ends the contract FAILED
  and rolls the unverified change back — `resolve_inconclusive`;
- `ACKNOWLEDGE_AUDIT` acknowledges a FAIL and overturns nothing — `check_audit_action`;
- incidents: one per (kind, subject), deterministic ids so a redelivery opens none twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

from govmesh.contracts.domain.jobplan import plan_job, plan_rollback
from govmesh.contracts.domain.machine import require_aware, transition
from govmesh.contracts.domain.review import Refusal
from govmesh.schemas import (
    SYSTEM_SCOPE,
    CheckOutcome,
    ContractSnapshot,
    ContractStatus,
    FounderAction,
    JobRequested,
    NotificationKind,
    Principal,
    StepRecord,
    StepStatus,
    Transition,
)

S = ContractStatus

AUDIT_004: Final = "AUDIT-004"  # a PASS is never revoked, a FAIL never overridden
AUDIT_UNKNOWN: Final = "AUDIT-UNKNOWN"  # the decision names no audit of this contract
AUDIT_REVIEWED: Final = "AUDIT-REVIEWED"  # the audit was already resolved / acknowledged
INCIDENT_UNKNOWN: Final = "INCIDENT-UNKNOWN"  # the decision names no incident of this contract
INCIDENT_ACKNOWLEDGED: Final = "INCIDENT-ACKNOWLEDGED"  # acknowledged once already
AUDIT_CONTEXT: Final = "AUDIT-CONTEXT"  # a resolution needs the context it rests on
AUDIT_TIMEOUT: Final = "AUDIT-TIMEOUT"  # no verdict in time: escalate, never approve
AUDIT_INCONCLUSIVE: Final = "AUDIT-INCONCLUSIVE"  # escalated to a human (SPEC §8)
ROLLOUT_BAKE: Final = "ROLLOUT-BAKE"  # scope health degraded during the bake (SPEC §9)
SM_004: Final = "SM-004"  # FAILED requires a rollback
JOB_003: Final = "JOB-003"  # a failed job is rolled back automatically
JOB_006: Final = "JOB-006"  # the rollback itself failed: compensation incomplete

_INCIDENT_NS = uuid5(NAMESPACE_URL, "urn:govmesh:contracts:incident")


class IncidentKind(StrEnum):
    AUDIT_FAIL = "AUDIT_FAIL"
    JOB_FAILED = "JOB_FAILED"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"
    BAKE_DEGRADED = "BAKE_DEGRADED"
    AUDIT_TIMEOUT = "AUDIT_TIMEOUT"
    AUDIT_UNRESOLVED = "AUDIT_UNRESOLVED"


#: The rule each incident is opened under.
INCIDENT_RULES: Mapping[IncidentKind, str] = {
    IncidentKind.AUDIT_FAIL: SM_004,
    IncidentKind.JOB_FAILED: JOB_003,
    IncidentKind.ROLLBACK_FAILED: JOB_006,
    IncidentKind.BAKE_DEGRADED: ROLLOUT_BAKE,
    IncidentKind.AUDIT_TIMEOUT: AUDIT_TIMEOUT,
    IncidentKind.AUDIT_UNRESOLVED: AUDIT_004,
}

#: Incidents a human must act on now are escalations; the others are incident notices.
INCIDENT_NOTIFICATIONS: Mapping[IncidentKind, NotificationKind] = {
    IncidentKind.AUDIT_FAIL: NotificationKind.INCIDENT,
    IncidentKind.JOB_FAILED: NotificationKind.INCIDENT,
    IncidentKind.AUDIT_UNRESOLVED: NotificationKind.INCIDENT,
    IncidentKind.ROLLBACK_FAILED: NotificationKind.ESCALATION,
    IncidentKind.BAKE_DEGRADED: NotificationKind.ESCALATION,
    IncidentKind.AUDIT_TIMEOUT: NotificationKind.ESCALATION,
}


class AuditState(StrEnum):
    """Where the audit of one job stands, as the read API shows it."""

    PENDING = "PENDING"  # no verdict yet
    ESCALATED = "ESCALATED"  # INCONCLUSIVE (or no verdict in time): a human must look
    PASS = "PASS"
    FAIL = "FAIL"
    RESOLVED = "RESOLVED"  # INCONCLUSIVE resolved by a human (contract FAILED, rolled back)
    ACKNOWLEDGED = "ACKNOWLEDGED"  # FAIL acknowledged by a human (still FAIL)


def incident_id(kind: IncidentKind, subject: UUID) -> UUID:
    """The one incident of `kind` about `subject` (a job, or an audit)."""
    return uuid5(_INCIDENT_NS, f"{kind.value}/{subject}")


def audit_state(
    verdict: CheckOutcome | None, reviewed: FounderAction | None, *, timed_out: bool
) -> AuditState:
    """The audit's state from its standing verdict and the human review of it, if any."""
    if verdict is None:
        return AuditState.ESCALATED if timed_out else AuditState.PENDING
    if verdict == CheckOutcome.PASS:
        return AuditState.PASS
    if verdict == CheckOutcome.FAIL:
        acknowledged = reviewed == FounderAction.ACKNOWLEDGE_AUDIT
        return AuditState.ACKNOWLEDGED if acknowledged else AuditState.FAIL
    return AuditState.RESOLVED if reviewed == FounderAction.RESOLVE_AUDIT else AuditState.ESCALATED


def check_audit_action(
    action: FounderAction,
    verdict: CheckOutcome,
    *,
    already_reviewed: bool,
    context: str | None,
) -> Refusal | None:
    """AUDIT-004: RESOLVE_AUDIT only for INCONCLUSIVE, ACKNOWLEDGE_AUDIT only for FAIL.

    Each audit is reviewed once; a resolution must say what it rests on (REVIEW-004).
    Neither action changes the recorded verdict.
    """
    if action == FounderAction.RESOLVE_AUDIT and verdict != CheckOutcome.INCONCLUSIVE:
        return Refusal(
            AUDIT_004,
            f"only an INCONCLUSIVE audit is resolved; this one is {verdict.value}"
            + (" (a FAIL can only be acknowledged)" if verdict == CheckOutcome.FAIL else ""),
        )
    if action == FounderAction.ACKNOWLEDGE_AUDIT and verdict != CheckOutcome.FAIL:
        return Refusal(AUDIT_004, f"only a FAIL audit is acknowledged; this one is {verdict.value}")
    if already_reviewed:
        return Refusal(AUDIT_REVIEWED, "this audit was already resolved or acknowledged")
    if action == FounderAction.RESOLVE_AUDIT and not (context or "").strip():
        return Refusal(AUDIT_CONTEXT, "a resolution needs the context it rests on (reason)")
    return None


def fail_on_job(
    contract: ContractSnapshot,
    job_id: UUID,
    why: str,
    at: datetime,
    *,
    causation_id: UUID | None,
) -> tuple[ContractSnapshot, Transition]:
    """ACTIVE → FAILED because its job failed or was cancelled (SPEC §5 "job failed")."""
    return transition(
        contract,
        S.FAILED,
        actor=Principal.EXECUTOR.value,
        reason=f"job {job_id} {why}",
        at=at,
        causation_id=causation_id,
    )


def resolve_inconclusive(
    contract: ContractSnapshot,
    audit_id: UUID,
    founder: str,
    context: str,
    at: datetime,
    *,
    causation_id: UUID | None,
) -> tuple[ContractSnapshot, Transition]:
    """RESOLVE_AUDIT: ACTIVE → FAILED with the founder's context; the verdict stays.

    A human resolution is not an audit PASS (SM-003, CONTRACT-004, PART2-004): the change
    was never verified, so it is not kept — the caller rolls it back (SM-004).
    """
    return transition(
        contract,
        S.FAILED,
        actor=founder,
        reason=(
            f"audit {audit_id} INCONCLUSIVE resolved by {founder}: {context.strip()}"
            " — not verified, so rolled back"
        ),
        at=at,
        causation_id=causation_id,
    )


def rollback_for(
    contract: ContractSnapshot,
    job_id: UUID,
    rollback_id: UUID,
    completed: Iterable[int] | None,
    now: datetime,
    *,
    hooks: Mapping[str, str] | None = None,
) -> JobRequested | None:
    """The rollback job of the contract's job: completed steps compensated in reverse (JOB-006).

    The plan is derived again from the ACTIVE contract (`plan_job` is a function of the
    contract, the job id and the `hooks` it was activated with), so nothing but the
    contract needs storing. `completed`
    None means every step completed — an audited job is a COMPLETED one (SM-002).
    None when no completed step has a rollback_action.
    """
    job = plan_job(contract, job_id, now, hooks=hooks)
    numbers = [step.number for step in job.steps] if completed is None else list(completed)
    return plan_rollback(job, numbers, rollback_id, now)


def completed_with_rollback(steps: Iterable[StepRecord]) -> list[int]:
    """Numbers of the COMPLETED steps that have a compensation (what a rollback undoes)."""
    return [s.number for s in steps if s.status == StepStatus.COMPLETED and s.rollback_action]


def bake_scopes(contract: ContractSnapshot) -> list[str]:
    """The scopes whose health must stay stable during the bake: SYSTEM and every capability."""
    return sorted({SYSTEM_SCOPE, *(c.strip().upper() for c in contract.affected_capabilities)})


def next_bake_check(
    deployed_at: datetime, now: datetime, bake: timedelta, interval: timedelta
) -> datetime:
    """When to look at the scope's health next: every `interval`, and at the bake's end."""
    require_aware(now)
    return min(now + interval, deployed_at + bake)


@dataclass(frozen=True)
class OutcomePolicy:
    """Timing of the outcome: bake period and checks (SPEC §9), audit timeout (SPEC §8)."""

    bake: timedelta = timedelta(minutes=5)
    bake_check: timedelta = timedelta(seconds=5)
    audit_timeout: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        if min(self.bake, self.bake_check, self.audit_timeout) <= timedelta(0):
            raise ValueError("bake, bake_check and audit_timeout must be positive")


def check_incident_ack(
    incident_id: UUID | None,
    contract_id: UUID,
    incident_contract: UUID | None,
    acknowledged_by: str | None,
) -> Refusal | None:
    """ACKNOWLEDGE_INCIDENT: an open incident of this contract, acknowledged once.

    `incident_contract` is the contract the stored incident belongs to (None: no such
    incident), `acknowledged_by` who acknowledged it already (None: still open). An
    acknowledgement records that a human saw the incident; it changes no state.
    """
    if incident_id is None or incident_contract != contract_id:
        return Refusal(INCIDENT_UNKNOWN, f"no incident {incident_id} of contract {contract_id}")
    if acknowledged_by is not None:
        return Refusal(
            INCIDENT_ACKNOWLEDGED, f"incident {incident_id} was acknowledged by {acknowledged_by}"
        )
    return None
