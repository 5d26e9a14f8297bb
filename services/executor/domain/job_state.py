"""The governance job state machine (SPEC §7): one table for the code and the database trigger.

Local rule IDs (the SPEC table has none of its own): ``JOB-TABLE`` for a change the table
does not list and ``JOB-TERMINAL`` for any change of a terminal job. Where a SPEC ID is
more specific it is used instead: SM-002 (audit only for a completed job), JOB-005
(completed jobs always go to audit) and JOB-003 (failure triggers rollback).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from govmesh.executor.domain.errors import JobTransitionRefused
from govmesh.schemas import JobStatus

RULE_TABLE = "JOB-TABLE"
RULE_TERMINAL = "JOB-TERMINAL"

INITIAL_STATUS = JobStatus.PENDING

TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = MappingProxyType(
    {
        JobStatus.PENDING: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED}),
        JobStatus.RUNNING: frozenset({JobStatus.COMPLETED, JobStatus.FAILED}),
        JobStatus.COMPLETED: frozenset({JobStatus.AUDIT_PENDING}),
        JobStatus.FAILED: frozenset({JobStatus.ROLLBACK_PENDING}),
        JobStatus.ROLLBACK_PENDING: frozenset({JobStatus.ROLLED_BACK, JobStatus.ROLLBACK_FAILED}),
        # Once the audit is requested the job's own state is settled; the verdict is
        # recorded on the audit, never as a further job transition.
        JobStatus.AUDIT_PENDING: frozenset(),
        JobStatus.CANCELLED: frozenset(),
        JobStatus.ROLLED_BACK: frozenset(),
        JobStatus.ROLLBACK_FAILED: frozenset(),
    }
)

TERMINAL: frozenset[JobStatus] = frozenset(
    {JobStatus.CANCELLED, JobStatus.ROLLED_BACK, JobStatus.ROLLBACK_FAILED}
)


def allowed_pairs() -> frozenset[tuple[JobStatus, JobStatus]]:
    """Every (from, to) pair the table allows; the SQL trigger is generated from this."""
    return frozenset((src, dst) for src, targets in TRANSITIONS.items() for dst in targets)


def job_transition(current: JobStatus, target: JobStatus) -> JobStatus:
    """Return `target` if the SPEC §7 table allows `current → target`, else refuse.

    Raises JobTransitionRefused naming the rule: JOB-TERMINAL for a terminal job, SM-002
    for an audit of a job that did not complete, JOB-005 for a completed job that would
    not go to audit, JOB-003 for a failed job that would not be rolled back, JOB-TABLE
    for anything else the table does not list.
    """
    if current in TERMINAL:
        raise JobTransitionRefused(
            RULE_TERMINAL, f"job is {current.value}, a terminal state that never changes"
        )
    if target in TRANSITIONS[current]:
        return target
    if target is JobStatus.AUDIT_PENDING:
        rule = "SM-002"
        why = "an audit is requested only for a COMPLETED job"
    elif current is JobStatus.COMPLETED:
        rule = "JOB-005"
        why = "a COMPLETED job always goes to audit (AUDIT_PENDING)"
    elif current is JobStatus.FAILED:
        rule = "JOB-003"
        why = "a FAILED job always goes to rollback (ROLLBACK_PENDING)"
    else:
        rule = RULE_TABLE
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        why = f"allowed from {current.value}: {allowed}"
    raise JobTransitionRefused(rule, f"{current.value} → {target.value} refused; {why}")
