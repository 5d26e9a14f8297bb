"""What an operator sees of a job's steps: the whole plan, each step with its status.

A step that ran has its record (RUNNING, COMPLETED, FAILED). A planned step without a
record is PENDING while the job can still reach it, and SKIPPED once the job has ended
without it (SPEC §7: the first failure stops the job; a cancelled job runs nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from govmesh.schemas import JobStatus, PlannedStep, StepRecord, StepStatus

#: Job states in which a step without a record may still run.
UNDER_WAY = frozenset({JobStatus.PENDING, JobStatus.RUNNING})


def step_view(
    planned: Sequence[PlannedStep], records: Sequence[StepRecord], job_status: JobStatus
) -> list[StepRecord]:
    """Every planned step in order: its record, or a PENDING / SKIPPED placeholder."""
    by_number = {record.number: record for record in records}
    waiting = StepStatus.PENDING if job_status in UNDER_WAY else StepStatus.SKIPPED
    return [
        by_number.get(step.number)
        or StepRecord(
            number=step.number,
            type=step.type,
            target=step.target,
            parameters=step.parameters,
            status=waiting,
            rollback_action=step.rollback_action,
        )
        for step in planned
    ]
