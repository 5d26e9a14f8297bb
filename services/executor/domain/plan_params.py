"""Reading the contract authority's plan parameters into steps the domain applies (SPEC §7).

The contracts plan (`plan_job` / `plan_rollback`) carries a few parameters beyond the
ones `steps.py` reads:

- ``check_old_value: false`` on a config_update (a `parameter_change`, whose old value is
  unknown at planning time): the current value is not compared, so ``old_value`` is dropped.
- ``compensates: {"job_id", "step"}`` on a rollback step: the step it undoes. When the
  executor holds that step's COMPLETED record, the compensation is the ``rollback_action``
  recorded when the step ran (JOB-003, JOB-006): it restores exactly the state before the
  step, which also covers ``restore_previous`` (a value or lifecycle unknown at planning).
- ``compensates_step`` (the executor's own rollback plan, same job id as `rolls_back_job_id`).

Unknown extra parameters (``capability_name``, ``scope``, ``reason`` …) are ignored by the
step rules, so they pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from govmesh.executor.domain.steps import planned_from_action
from govmesh.schemas import PlannedStep, StepRecord, StepStatus, StepType


def compensated_step(step: PlannedStep, rolls_back_job_id: UUID | None) -> tuple[UUID, int] | None:
    """The (job id, step number) a rollback step compensates, when its parameters name one."""
    ref = step.parameters.get("compensates")
    if isinstance(ref, Mapping):
        job, number = ref.get("job_id"), ref.get("step")
        if isinstance(number, int) and not isinstance(number, bool) and job is not None:
            try:
                return UUID(str(job)), number
            except ValueError:
                return None
    number = step.parameters.get("compensates_step")
    if rolls_back_job_id is not None and isinstance(number, int) and not isinstance(number, bool):
        return rolls_back_job_id, number
    return None


def resolve_step(step: PlannedStep, compensated: StepRecord | None = None) -> PlannedStep:
    """The step the adapter runs: `step` with the contracts plan's parameters applied.

    With the COMPLETED record of the step it compensates (and that record's rollback
    action), the recorded action replaces the planned one, keeping this step's number and
    its `compensates` reference so the compensation is logged against its original.
    """
    if (
        compensated is not None
        and compensated.status is StepStatus.COMPLETED
        and compensated.rollback_action is not None
    ):
        recorded = planned_from_action(compensated.rollback_action, step.number)
        if (recorded.type, recorded.target) != (step.type, step.target):
            # The plan and the record disagree on what is undone; run what was planned so
            # the job's step log (JOB-004 order check) still matches its plan.
            return step
        references = {
            k: v for k, v in step.parameters.items() if k in ("compensates", "compensates_step")
        }
        return recorded.model_copy(update={"parameters": {**recorded.parameters, **references}})
    if step.type is StepType.CONFIG_UPDATE and step.parameters.get("check_old_value") is False:
        parameters = {k: v for k, v in step.parameters.items() if k != "old_value"}
        return step.model_copy(update={"parameters": parameters})
    return step
