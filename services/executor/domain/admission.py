"""Whether a requested job may be taken on (SM-001, SM-006, JOB-003).

Only the contract authority produces `jobs.requested`, so the executor trusts that a job
exists for an ACTIVE contract; what it can still check is the request against the jobs it
already holds and the activation window it carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from govmesh.executor.domain.errors import JobAdmissionRefused
from govmesh.schemas import JobKind, JobRequested, JobStatus

_IN_FLIGHT = frozenset({JobStatus.PENDING, JobStatus.RUNNING})
# A rollback answers a job that failed, or one that completed and then failed its audit.
_ROLLBACK_TARGETS = frozenset(
    {JobStatus.FAILED, JobStatus.ROLLBACK_PENDING, JobStatus.COMPLETED, JobStatus.AUDIT_PENDING}
)


@dataclass(frozen=True)
class KnownJob:
    """A job the executor already holds for the same contract."""

    job_id: UUID
    kind: JobKind
    status: JobStatus
    rolls_back_job_id: UUID | None = None


class Admission(StrEnum):
    NEW = "NEW"
    DUPLICATE = "DUPLICATE"


def admit_job(request: JobRequested, known: Sequence[KnownJob], now: datetime) -> Admission:
    """Admit `request` given the contract's `known` jobs at `now`, or refuse it.

    DUPLICATE for a redelivered job id. Refused: a second execution job for the contract,
    or any job while another is PENDING/RUNNING (SM-006); an execution job before its
    activation window opens or after it closes (SM-001); a rollback of a job that is
    unknown, still in flight, or already rolled back (JOB-003).
    """
    if any(job.job_id == request.job_id for job in known):
        return Admission.DUPLICATE
    busy = [job for job in known if job.status in _IN_FLIGHT]
    if busy:
        raise JobAdmissionRefused(
            "SM-006", f"contract {request.contract_id} already has job {busy[0].job_id} in flight"
        )
    if request.kind is JobKind.EXECUTION:
        if any(job.kind is JobKind.EXECUTION for job in known):
            raise JobAdmissionRefused(
                "SM-006", f"contract {request.contract_id} already has its one execution job"
            )
        if now < request.activation_window_start:
            raise JobAdmissionRefused("SM-001", "activation window has not opened")
        if now > request.activation_window_end:
            raise JobAdmissionRefused("SM-001", "activation window has closed")
        return Admission.NEW
    target = next((job for job in known if job.job_id == request.rolls_back_job_id), None)
    if target is None or target.status not in _ROLLBACK_TARGETS:
        state = "unknown" if target is None else target.status.value
        raise JobAdmissionRefused(
            "JOB-003", f"rollback of job {request.rolls_back_job_id} ({state}) refused"
        )
    if any(job.rolls_back_job_id == target.job_id for job in known):
        raise JobAdmissionRefused("JOB-003", f"job {target.job_id} already has a rollback job")
    return Admission.NEW
