"""What each due timer does (REVIEW-006, SPEC §5 step 6), run by the timer loop.

`TIMER_HANDLERS` maps a timer kind (the `timers.kind` column) to its handler; a new
kind needs an entry here and a `ContractRepository.schedule_timer` call where it is
planned. A handler gets the claimed timer with its contract (both rows locked) and
returns the state to leave the timer in: FIRED, or CANCELLED when it is stale.

Managed kinds re-check `due_timers` at fire time: a timer whose contract has moved on
(or paused for a clarification) since it was planned is cancelled, never fired.
No timer ever approves anything (PART2-002).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from govmesh.contracts.adapters.messages import FOUNDERS
from govmesh.contracts.adapters.repository import (
    CANCELLED,
    FIRED,
    ContractRepository,
    DueTimer,
)
from govmesh.contracts.domain import (
    TIMER_NOTIFICATIONS,
    ContractRuleViolation,
    TimerKind,
    activate,
    close_window,
    contract_expiry,
    due_timers,
    execution_job_id,
    expire,
    plan_job,
    transition,
)
from govmesh.contracts.service_layer.deps import Deps
from govmesh.contracts.service_layer.outcome import OUTCOME_TIMER_HANDLERS
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    Envelope,
    JobRequested,
    Principal,
    Transition,
)

TimerHandler = Callable[[ContractRepository, DueTimer, Deps], Awaitable[str]]


def _still_due(timer: DueTimer, deps: Deps) -> bool:
    due = due_timers(timer.contract, deps.clock(), deps.policy)
    return any(t.kind.value == timer.kind for t in due)


async def review_notice(repo: ContractRepository, timer: DueTimer, deps: Deps) -> str:
    """REVIEW-006 warning (5 d) and escalation (6 d): tell the founders, change nothing."""
    if not _still_due(timer, deps):
        return CANCELLED
    now = deps.clock()
    contract = timer.contract
    kind = TimerKind(timer.kind)
    repo.send(
        deps.publisher.notification(
            contract.contract_id,
            contract.issue_id,
            TIMER_NOTIFICATIONS[kind],
            audience=FOUNDERS,
            message=(
                f"Contract '{contract.title}' awaits review since {contract.created_at};"
                f" it expires at {contract_expiry(contract, now)}"
            ),
            at=now,
            dedup=timer.timer_key,
            rule=timer.rule,
        )
    )
    return FIRED


async def expiry(repo: ContractRepository, timer: DueTimer, deps: Deps) -> str:
    """REVIEW-006: DRAFT / VALIDATED / ELIGIBLE → EXPIRED once the TTL ran out."""
    if not _still_due(timer, deps):
        return CANCELLED
    expired, moved = expire(timer.contract, deps.clock())
    await repo.apply(timer.contract, expired, [moved], cause=None)
    return FIRED


def activation_at_approval(
    contract: ContractSnapshot, deps: Deps, now: datetime, cause: Envelope
) -> tuple[ContractSnapshot, Transition, JobRequested] | None:
    """SM-006 in the approving transaction, for a contract APPROVED with its window open.

    The ACTIVE contract, its transition and its one job, so the approval and the
    activation commit together and no ACTIVATION timer is planned. None when activation
    is not due yet, or its plan is refused: the ACTIVATION timer then activates the
    contract, or fails it naming the rule, as it does for a window that opens later.
    """
    if not any(t.kind is TimerKind.ACTIVATION for t in due_timers(contract, now, deps.policy)):
        return None
    job_id = execution_job_id(contract.contract_id)
    try:
        job = plan_job(contract, job_id, now, hooks=deps.hooks)
    except ContractRuleViolation:
        return None
    active, moved = activate(contract, job_id, now, causation_id=cause.event_id)
    return active, moved, job


async def activation(repo: ContractRepository, timer: DueTimer, deps: Deps) -> str:
    """APPROVED → ACTIVE with exactly one `JobRequested` (SM-006, CONTRACT-003).

    The job id is a function of the contract id, so a re-run publishes the same job.
    A plan the domain refuses (JOB-001, JOB-CONSTRAINTS) is an activation error:
    APPROVED → FAILED naming the rule.
    """
    if not _still_due(timer, deps):
        return CANCELLED
    now = deps.clock()
    contract = timer.contract
    job_id = execution_job_id(contract.contract_id)
    try:
        job = plan_job(contract, job_id, now, hooks=deps.hooks)
    except ContractRuleViolation as refused:
        failed, moved = transition(
            contract,
            ContractStatus.FAILED,
            actor=Principal.CONTRACTS.value,
            reason=f"activation error {refused.rule}: {refused.message}",
            at=now,
        )
        await repo.apply(contract, failed, [moved], cause=None)
        return FIRED
    active, moved = activate(contract, job_id, now)
    await repo.apply(contract, active, [moved], cause=None)
    repo.send(deps.publisher.job_requested(job, contract.issue_id, None))
    return FIRED


async def window_closed(repo: ContractRepository, timer: DueTimer, deps: Deps) -> str:
    """APPROVED → FAILED: the activation window ended before activation."""
    if not _still_due(timer, deps):
        return CANCELLED
    failed, moved = close_window(timer.contract, deps.clock())
    await repo.apply(timer.contract, failed, [moved], cause=None)
    return FIRED


TIMER_HANDLERS: dict[str, TimerHandler] = {
    TimerKind.REVIEW_WARNING.value: review_notice,
    TimerKind.REVIEW_ESCALATION.value: review_notice,
    TimerKind.EXPIRY.value: expiry,
    TimerKind.ACTIVATION.value: activation,
    TimerKind.WINDOW_CLOSED.value: window_closed,
    **OUTCOME_TIMER_HANDLERS,  # AUDIT_TIMEOUT, ROLLOUT_BAKE
}
