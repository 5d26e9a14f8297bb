"""The rollback plan of a failed job (JOB-003, JOB-006)."""

from __future__ import annotations

from collections.abc import Sequence

from govmesh.executor.domain.errors import ExecutorRefusal
from govmesh.executor.domain.steps import planned_from_action
from govmesh.schemas import PlannedStep, StepRecord, StepStatus, StepType

RULE_ROLLBACK = "JOB-003"


def rollback_steps(steps: Sequence[StepRecord]) -> list[PlannedStep]:
    """The rollback action of every COMPLETED step, in reverse step order (JOB-006).

    signal_record steps have no rollback by design and are skipped; steps that did not
    complete changed nothing. Each planned step is numbered from 1 in the rollback job and
    carries `compensates_step` in its parameters so every compensation is logged against
    its original. A completed step without a rollback action cannot be compensated: the
    plan is refused (JOB-003) rather than silently skipping it.
    """
    completed = sorted(
        (
            s
            for s in steps
            if s.status is StepStatus.COMPLETED and s.type is not StepType.SIGNAL_RECORD
        ),
        key=lambda s: s.number,
        reverse=True,
    )
    plan: list[PlannedStep] = []
    for number, record in enumerate(completed, start=1):
        if record.rollback_action is None:
            raise ExecutorRefusal(
                RULE_ROLLBACK, f"step {record.number} completed without a rollback_action"
            )
        planned = planned_from_action(record.rollback_action, number)
        plan.append(
            PlannedStep(
                number=number,
                type=planned.type,
                target=planned.target,
                parameters={**planned.parameters, "compensates_step": record.number},
                adapter=planned.adapter,
            )
        )
    return plan
