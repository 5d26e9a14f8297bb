"""Reading the contract authority's plan parameters (JOB-003, JOB-006; SPEC §7)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from govmesh.executor.domain.plan_params import compensated_step, resolve_step
from govmesh.executor.domain.steps import apply_step, planned_from_action
from govmesh.schemas import PlannedStep, StepStatus, StepType
from tests.unit.executor.factories import LOGS, T0, enable_step, make_registry, record

pytestmark = pytest.mark.unit


def _config(**parameters: object) -> PlannedStep:
    return PlannedStep(
        number=1, type=StepType.CONFIG_UPDATE, target="SYSTEM", parameters=dict(parameters)
    )


def test_parameter_change_without_a_known_old_value_is_not_compared() -> None:
    planned = _config(key="max_requests_per_minute", old_value=None, new_value=300,
                      check_old_value=False)  # fmt: skip
    resolved = resolve_step(planned)
    assert "old_value" not in resolved.parameters
    _, outcome = apply_step(make_registry(), resolved)
    assert outcome.ok
    _, refused = apply_step(make_registry(), planned)
    assert not refused.ok and "old_value mismatch" in (refused.error or "")


def test_checked_old_value_is_kept() -> None:
    planned = _config(key="max_requests_per_minute", old_value=100, new_value=300,
                      check_old_value=True)  # fmt: skip
    assert resolve_step(planned) == planned


def test_JOB_003_compensation_uses_the_recorded_rollback_action_of_its_step() -> None:
    job_id = uuid4()
    registry, outcome = apply_step(make_registry(), enable_step(1))
    done = record(enable_step(1), rollback_action=outcome.rollback_action)
    # The contracts plan cannot know the lifecycle to restore: restore_previous.
    planned = PlannedStep(
        number=2,
        type=StepType.CAPABILITY_DISABLE,
        target=LOGS,
        parameters={"capability_name": LOGS, "compensates": {"job_id": str(job_id), "step": 1}},
    )
    assert compensated_step(planned, None) == (job_id, 1)
    resolved = resolve_step(planned, done)
    assert resolved.number == 2
    assert resolved.parameters["lifecycle"] == "PREVIEW"
    assert resolved.parameters["compensates"] == {"job_id": str(job_id), "step": 1}
    restored, undo = apply_step(registry, resolved, compensation=True)
    assert undo.ok
    assert restored.capabilities[LOGS].lifecycle.value == "PREVIEW"
    assert restored.capabilities[LOGS].enabled is False


def test_a_record_that_does_not_match_the_plan_leaves_the_planned_step() -> None:
    done = record(enable_step(1), rollback_action={"type": "config_update", "target": "SYSTEM",
                                                   "parameters": {"key": "k", "new_value": 1}})  # fmt: skip
    planned = PlannedStep(number=1, type=StepType.CAPABILITY_DISABLE, target=LOGS,
                          parameters={"compensates_step": 1})  # fmt: skip
    assert resolve_step(planned, done) == planned


def test_an_unfinished_record_is_not_a_compensation() -> None:
    running = record(enable_step(1), StepStatus.RUNNING, at=T0)
    planned = PlannedStep(number=1, type=StepType.CAPABILITY_DISABLE, target=LOGS,
                          parameters={"compensates_step": 1})  # fmt: skip
    assert resolve_step(planned, running) == planned


def test_compensates_step_refers_to_the_rolled_back_job() -> None:
    original = uuid4()
    planned = PlannedStep(number=1, type=StepType.CAPABILITY_DISABLE, target=LOGS,
                          parameters={"compensates_step": 3})  # fmt: skip
    assert compensated_step(planned, original) == (original, 3)
    assert compensated_step(planned, None) is None
    broken = planned.model_copy(update={"parameters": {"compensates": {"job_id": "x", "step": 1}}})
    assert compensated_step(broken, original) is None


def test_a_rollback_action_may_name_its_adapter() -> None:
    action = {"type": "config_update", "target": LOGS, "parameters": {}, "adapter": "webhook"}
    assert planned_from_action(action, 1).adapter == "webhook"
    without = {k: v for k, v in action.items() if k != "adapter"}
    assert planned_from_action(without, 1).adapter == "registry"
