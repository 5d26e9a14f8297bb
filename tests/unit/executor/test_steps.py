"""Applying and compensating steps against the governed registry (SPEC §7, JOB-003)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from govmesh.executor.domain.registry import snapshot
from govmesh.executor.domain.runner import step_finished, step_started
from govmesh.executor.domain.steps import StepOutcome, apply_step, rollback_step
from govmesh.schemas import Lifecycle, PlannedStep, StepRecord, StepStatus, StepType

from .factories import (
    FROZEN,
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


def _completed(step: PlannedStep, outcome: StepOutcome) -> StepRecord:
    return step_finished(step_started(step, T0), outcome, T0)


def test_capability_enable_sets_enabled_and_lifecycle() -> None:
    before = make_registry()
    after, outcome = apply_step(before, enable_step(1, LOGS, "LAUNCHED"))
    assert outcome.ok
    logs = after.capabilities[LOGS]
    assert (logs.enabled, logs.lifecycle) == (True, Lifecycle.LAUNCHED)
    assert logs.revision == before.capabilities[LOGS].revision + 1
    assert before.capabilities[LOGS].enabled is False
    assert outcome.rollback_action == {
        "type": "capability_disable",
        "target": LOGS,
        "parameters": {"reason": "compensation", "lifecycle": "PREVIEW"},
    }


def test_capability_enable_of_enabled_capability_rolls_back_to_its_lifecycle() -> None:
    _, outcome = apply_step(make_registry(), enable_step(1, INCIDENTS, "DEPRECATED"))
    assert outcome.rollback_action == {
        "type": "capability_enable",
        "target": INCIDENTS,
        "parameters": {"target_lifecycle": "LAUNCHED"},
    }


def test_capability_disable_clears_enabled() -> None:
    after, outcome = apply_step(make_registry(), disable_step(1, INCIDENTS))
    assert outcome.ok
    assert after.capabilities[INCIDENTS].enabled is False
    assert after.capabilities[INCIDENTS].lifecycle is Lifecycle.LAUNCHED
    assert outcome.rollback_action is not None
    assert outcome.rollback_action["type"] == "capability_enable"


def test_config_update_writes_the_new_value() -> None:
    after, outcome = apply_step(make_registry(), config_step(1))
    assert outcome.ok
    assert after.system_config["max_requests_per_minute"] == 200
    assert outcome.result["before"] == 100
    assert outcome.rollback_action == {
        "type": "config_update",
        "target": "SYSTEM",
        "parameters": {"key": "max_requests_per_minute", "old_value": 200, "new_value": 100},
    }


def test_config_update_on_capability_config() -> None:
    step = config_step(1, INCIDENTS, "page_size", old_value=50, new_value=25)
    after, outcome = apply_step(make_registry(), step)
    assert outcome.ok
    assert after.capabilities[INCIDENTS].config == {"page_size": 25}


def test_config_old_value_mismatch_fails_and_writes_nothing() -> None:
    before = make_registry()
    after, outcome = apply_step(before, config_step(1, old_value=150, new_value=200))
    assert not outcome.ok
    assert after is before
    assert "old_value mismatch" in (outcome.error or "")
    assert "current value 100" in (outcome.error or "")


@pytest.mark.parametrize("old", [True, "100", 100.5, None])
def test_config_old_value_compared_strictly(old: Any) -> None:
    _, outcome = apply_step(make_registry(), config_step(1, old_value=old, new_value=1))
    assert not outcome.ok


def test_config_old_value_int_equals_float() -> None:
    _, outcome = apply_step(make_registry(), config_step(1, old_value=100.0, new_value=1))
    assert outcome.ok


def test_config_new_key_rolls_back_by_removal() -> None:
    before = make_registry()
    step = config_step(1, key="burst", old_value=None, new_value=10)
    after, outcome = apply_step(before, step)
    assert outcome.ok
    assert after.system_config["burst"] == 10
    restored, undo = rollback_step(after, _completed(step, outcome))
    assert undo.ok
    assert "burst" not in restored.system_config


def test_config_without_old_value_is_unchecked() -> None:
    after, outcome = apply_step(make_registry(), config_step(1, new_value=7))
    assert outcome.ok
    assert after.system_config["max_requests_per_minute"] == 7


@pytest.mark.parametrize(
    ("step", "fragment"),
    [
        (enable_step(1, "NOPE"), "unknown capability NOPE"),
        (enable_step(1, "SYSTEM"), "SYSTEM is not a capability"),
        (enable_step(1, LOGS, "GA"), "target_lifecycle"),
        (disable_step(1, FROZEN), "frozen capability"),
        (config_step(1, FROZEN, "x", new_value=1), "frozen capability"),
        (config_step(1, key="", new_value=1), "parameters.key"),
        (config_step(1, old_value=100), "new_value is required"),
        (
            PlannedStep(
                number=1, type=StepType.SIGNAL_RECORD, target=LOGS, parameters={"signal_type": "X"}
            ),
            "signal_type",
        ),
    ],
)
def test_invalid_step_is_refused_without_change(step: PlannedStep, fragment: str) -> None:
    before = make_registry()
    after, outcome = apply_step(before, step)
    assert not outcome.ok
    assert after is before
    assert fragment in (outcome.error or "")


def test_signal_record_changes_nothing_and_has_no_rollback() -> None:
    before = make_registry()
    after, outcome = apply_step(before, signal_step(1))
    assert outcome.ok
    assert snapshot(after) == snapshot(before)
    assert outcome.rollback_action is None
    assert outcome.result["signal_type"] == "CHANGE_RECORDED"


@pytest.mark.parametrize(
    "step",
    [
        enable_step(1, LOGS, "LAUNCHED"),
        enable_step(1, INCIDENTS, "DEPRECATED"),
        disable_step(1, INCIDENTS),
        disable_step(1, LOGS),
        config_step(1),
        config_step(1, INCIDENTS, "page_size", new_value=10),
    ],
)
def test_JOB003_rollback_step_restores_the_state_before(step: PlannedStep) -> None:
    before = make_registry()
    after, outcome = apply_step(before, step)
    assert outcome.ok
    restored, undo = rollback_step(after, _completed(step, outcome))
    assert undo.ok
    assert undo.result["compensated"] is True
    assert snapshot(restored) == snapshot(before)


def test_JOB003_compensation_ignores_a_freeze_placed_after_the_change() -> None:
    before = make_registry()
    step = disable_step(1, INCIDENTS)
    after, outcome = apply_step(before, step)
    frozen_since = replace(
        after,
        capabilities={
            **after.capabilities,
            INCIDENTS: replace(after.capabilities[INCIDENTS], frozen=True),
        },
    )
    restored, undo = rollback_step(frozen_since, _completed(step, outcome))
    assert undo.ok
    assert restored.capabilities[INCIDENTS].enabled is True
    _, forward = apply_step(frozen_since, enable_step(2, INCIDENTS))
    assert not forward.ok


def test_JOB003_compensation_refuses_when_value_changed_since() -> None:
    step = config_step(1)
    after, outcome = apply_step(make_registry(), step)
    drifted, _ = apply_step(after, config_step(2, new_value=300))
    restored, undo = rollback_step(drifted, _completed(step, outcome))
    assert not undo.ok
    assert restored is drifted


def test_rollback_step_of_signal_record_or_unfinished_step_is_a_no_op() -> None:
    registry = make_registry()
    for rec in (record(signal_step(1)), record(enable_step(1), StepStatus.FAILED)):
        after, outcome = rollback_step(registry, rec)
        assert outcome.ok
        assert outcome.result["compensated"] is False
        assert after is registry


def test_rollback_step_without_action_fails() -> None:
    _, outcome = rollback_step(make_registry(), record(enable_step(1)))
    assert not outcome.ok
    assert "no rollback_action" in (outcome.error or "")


def test_rollback_step_with_malformed_action_fails() -> None:
    rec = record(enable_step(1), rollback_action={"type": "explode", "target": LOGS})
    _, outcome = rollback_step(make_registry(), rec)
    assert not outcome.ok
    assert "malformed rollback_action" in (outcome.error or "")
