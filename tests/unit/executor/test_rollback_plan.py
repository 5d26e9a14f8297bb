"""The rollback plan of a failed job (JOB-003, JOB-006)."""

from __future__ import annotations

import pytest

from govmesh.executor.domain.errors import ExecutorRefusal
from govmesh.executor.domain.rollback import rollback_steps
from govmesh.executor.domain.runner import step_finished, step_started
from govmesh.executor.domain.steps import apply_step
from govmesh.schemas import StepRecord, StepStatus, StepType

from .factories import (
    INCIDENTS,
    LOGS,
    T0,
    config_step,
    disable_step,
    enable_step,
    make_registry,
    record,
    signal_step,
)

pytestmark = pytest.mark.unit


def _executed() -> list[StepRecord]:
    """Four steps run for real: enable, signal, config, then a failing disable."""
    registry = make_registry()
    records = []
    for step in (
        enable_step(1, LOGS),
        signal_step(2),
        config_step(3),
        config_step(4, old_value=1, new_value=2),
    ):
        registry, outcome = apply_step(registry, step)
        records.append(step_finished(step_started(step, T0), outcome, T0))
    return records


def test_JOB006_rollback_runs_completed_steps_in_reverse_order() -> None:
    records = _executed()
    plan = rollback_steps(records)
    assert [(p.number, p.type, p.target) for p in plan] == [
        (1, StepType.CONFIG_UPDATE, "SYSTEM"),
        (2, StepType.CAPABILITY_DISABLE, LOGS),
    ]
    assert [p.parameters["compensates_step"] for p in plan] == [3, 1]
    assert plan[0].parameters["new_value"] == 100


def test_JOB003_signal_record_and_failed_steps_are_not_compensated() -> None:
    records = _executed()
    assert records[1].type is StepType.SIGNAL_RECORD
    assert records[3].status is StepStatus.FAILED
    compensated = {p.parameters["compensates_step"] for p in rollback_steps(records)}
    assert compensated == {1, 3}


def test_JOB006_order_follows_step_numbers_not_list_order() -> None:
    steps = [enable_step(1, LOGS), disable_step(2, INCIDENTS)]
    records = []
    registry = make_registry()
    for step in steps:
        registry, outcome = apply_step(registry, step)
        records.append(step_finished(step_started(step, T0), outcome, T0))
    plan = rollback_steps(list(reversed(records)))
    assert [p.parameters["compensates_step"] for p in plan] == [2, 1]


def test_JOB003_completed_step_without_rollback_action_refuses_the_plan() -> None:
    with pytest.raises(ExecutorRefusal) as refused:
        rollback_steps([record(enable_step(1))])
    assert refused.value.rule == "JOB-003"


def test_JOB003_rollback_plan_undoes_the_job() -> None:
    before = make_registry()
    registry = before
    records = []
    for step in (enable_step(1, LOGS), config_step(2), disable_step(3, INCIDENTS)):
        registry, outcome = apply_step(registry, step)
        records.append(step_finished(step_started(step, T0), outcome, T0))
    for planned in rollback_steps(records):
        registry, outcome = apply_step(registry, planned, compensation=True)
        assert outcome.ok
    assert registry.capabilities[LOGS].enabled is before.capabilities[LOGS].enabled
    assert registry.capabilities[INCIDENTS].enabled is before.capabilities[INCIDENTS].enabled
    assert registry.system_config == before.system_config


def test_nothing_to_compensate_is_an_empty_plan() -> None:
    assert rollback_steps([record(signal_step(1)), record(enable_step(2), StepStatus.FAILED)]) == []
