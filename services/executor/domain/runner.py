"""The job runner's decisions as a pure function (SPEC §7: JOB-001, JOB-002, JOB-004).

The service loop is: ask `next_action`; on StartStep record the step RUNNING, apply it
with its idempotency key, record the outcome; ask again. Because each step's record is
written before the next decision, the order rule holds across crashes: a step found
RUNNING after a restart is resumed (same number, same idempotency key), never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from govmesh.executor.domain.health_gate import RULE_HEALTH_GATE, HealthView, health_gate
from govmesh.executor.domain.steps import StepOutcome
from govmesh.schemas import SYSTEM_SCOPE, JobKind, JobRequested, PlannedStep, StepRecord, StepStatus

RULE_SCOPE = "JOB-001"
RULE_ORDER = "JOB-004"
RULE_DURATION = "JOB-DURATION"


@dataclass(frozen=True)
class JobState:
    """A claimed job: its request, when it started running, and its step records so far."""

    request: JobRequested
    started_at: datetime
    records: tuple[StepRecord, ...] = ()


@dataclass(frozen=True)
class StartStep:
    """Run step `number`; `resume` means it was recorded RUNNING before and is re-run."""

    number: int
    resume: bool = False


@dataclass(frozen=True)
class Fail:
    """Stop the job as FAILED; `rule` names why (JOB-001, JOB-002, JOB-004, JOB-DURATION)."""

    reason: str
    rule: str


@dataclass(frozen=True)
class Complete:
    """Every step completed: the job goes COMPLETED and then to audit (JOB-005)."""


Action = StartStep | Fail | Complete


def _plan_problem(steps: list[PlannedStep]) -> str | None:
    for position, step in enumerate(steps, start=1):
        if step.number != position:
            return f"plan step at position {position} is numbered {step.number}; expected 1..n"
    return None


def _record_problem(plan: list[PlannedStep], records: tuple[StepRecord, ...]) -> Fail | None:
    last = len(records) - 1
    for position, record in enumerate(records):
        planned = plan[position] if position < len(plan) else None
        if planned is None or (record.number, record.type, record.target) != (
            planned.number,
            planned.type,
            planned.target,
        ):
            return Fail(f"step record {record.number} does not match the plan in order", RULE_ORDER)
        if record.status is StepStatus.FAILED:
            why = record.error or "no error recorded"
            return Fail(
                f"step {record.number} failed: {why}; the first failure stops the job", RULE_ORDER
            )
        if record.status is StepStatus.SKIPPED:
            return Fail(
                f"step {record.number} was skipped; steps run strictly in order", RULE_ORDER
            )
        if record.status is not StepStatus.COMPLETED and position != last:
            return Fail(
                f"step {record.number} is {record.status.value} but a later step was recorded",
                RULE_ORDER,
            )
    return None


def _scope_problem(request: JobRequested) -> Fail | None:
    allowed = {*request.scope, SYSTEM_SCOPE}
    for step in request.steps:
        if step.target not in allowed:
            return Fail(
                f"step {step.number} targets {step.target}, outside the contract scope "
                f"{sorted(request.scope)}",
                RULE_SCOPE,
            )
    return None


def _elapsed(job: JobState, now: datetime, done: bool) -> timedelta:
    last = job.records[-1] if job.records else None
    if done and last is not None and last.ended_at is not None:
        # A job that finished in time stays in time, however late it is looked at again.
        return last.ended_at - job.started_at
    return now - job.started_at


def next_action(job: JobState, health: HealthView, now: datetime) -> Action:
    """Decide what the runner does next for `job` at `now`.

    In order: a plan or records out of order, or a recorded failure → Fail (JOB-004);
    a step target outside the scope and SYSTEM → Fail (JOB-001); more than
    `max_duration_ms` since start → Fail (JOB-DURATION); every step completed → Complete;
    the health gate blocks the next step's target → Fail (JOB-002, execution jobs only —
    a rollback job restores the approved state and must not be stranded by the very
    degradation it answers); otherwise StartStep for the next step, never more than one.
    """
    request = job.request
    plan_problem = _plan_problem(request.steps)
    if plan_problem is not None:
        return Fail(plan_problem, RULE_ORDER)
    for problem in (_record_problem(request.steps, job.records), _scope_problem(request)):
        if problem is not None:
            return problem
    done = len(job.records) == len(request.steps) and all(
        r.status is StepStatus.COMPLETED for r in job.records
    )
    limit = timedelta(milliseconds=request.max_duration_ms)
    elapsed = _elapsed(job, now, done)
    if elapsed > limit:
        return Fail(
            f"job ran {int(elapsed.total_seconds() * 1000)} ms, over max_duration_ms "
            f"{request.max_duration_ms}",
            RULE_DURATION,
        )
    if done:
        return Complete()
    in_flight = bool(job.records) and job.records[-1].status is not StepStatus.COMPLETED
    number = len(job.records) if in_flight else len(job.records) + 1
    if request.kind is JobKind.EXECUTION:
        blocked = health_gate(health, request.steps[number - 1].target, now)
        if blocked is not None:
            return Fail(f"step {number} blocked by the health gate: {blocked}", RULE_HEALTH_GATE)
    return StartStep(number, resume=in_flight)


def step_started(step: PlannedStep, at: datetime) -> StepRecord:
    """The RUNNING record (its STARTED event): stored before a side effect outside the
    database runs; a step applied inside the transaction is stored once, with its outcome,
    atomically with its effect (JOB-004: recorded before the next starts)."""
    return StepRecord(
        number=step.number,
        type=step.type,
        target=step.target,
        parameters=step.parameters,
        status=StepStatus.RUNNING,
        started_at=at,
    )


def step_finished(record: StepRecord, outcome: StepOutcome, at: datetime) -> StepRecord:
    """The COMPLETED or FAILED record of a step, with its result and rollback action."""
    return record.model_copy(
        update={
            "status": StepStatus.COMPLETED if outcome.ok else StepStatus.FAILED,
            "ended_at": at,
            "result": outcome.result,
            "error": outcome.error,
            "rollback_action": outcome.rollback_action,
        }
    )
