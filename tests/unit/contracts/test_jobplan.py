"""Job plan derivation from proposed_changes (SPEC §7) and the reverse rollback plan (JOB-006)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from govmesh.contracts.domain import (
    ContractRuleViolation,
    execution_job_id,
    plan_job,
    plan_rollback,
    rollback_job_id,
)
from govmesh.schemas import (
    JobKind,
    JobRequested,
    Lifecycle,
    ProposedChange,
    StepType,
)

from .factories import (
    CAPABILITY,
    DAY,
    HOUR,
    T0,
    active,
    approved,
    config_update,
    disable,
    enable,
    parameter_change,
    snapshot,
)

pytestmark = pytest.mark.unit

NOW = T0 + HOUR
T = StepType


def _plan(changes: list[ProposedChange], **overrides: Any) -> JobRequested:
    contract = active(proposed_changes=changes, **overrides)
    assert contract.job_id is not None
    return plan_job(contract, contract.job_id, NOW)


def test_capability_enable_step_and_disable_rollback() -> None:
    job = _plan([enable(lifecycle=Lifecycle.PREVIEW)])
    step = job.steps[0]
    assert (step.number, step.type, step.target) == (1, T.CAPABILITY_ENABLE, CAPABILITY)
    assert step.parameters == {"capability_name": CAPABILITY, "target_lifecycle": "PREVIEW"}
    assert step.rollback_action is not None
    assert step.rollback_action["type"] == "capability_disable"
    assert step.rollback_action["target"] == CAPABILITY
    assert step.rollback_action["parameters"]["compensates"] == {
        "job_id": str(job.job_id),
        "step": 1,
    }


def test_capability_disable_step_restores_known_previous_lifecycle() -> None:
    contract = active(proposed_changes=[disable()])
    assert contract.job_id is not None
    job = plan_job(contract, contract.job_id, NOW, lifecycles={CAPABILITY: Lifecycle.LAUNCHED})
    step = job.steps[0]
    assert (step.type, step.target) == (T.CAPABILITY_DISABLE, CAPABILITY)
    assert step.parameters["reason"] == "noisy for the tenant"
    assert step.parameters["previous_lifecycle"] == "LAUNCHED"
    assert step.rollback_action is not None
    assert step.rollback_action["type"] == "capability_enable"
    assert step.rollback_action["parameters"]["target_lifecycle"] == "LAUNCHED"
    assert step.rollback_action["parameters"]["restore_previous"] is False


def test_capability_disable_with_unknown_lifecycle_restores_recorded_state() -> None:
    step = _plan([disable()]).steps[0]
    assert "previous_lifecycle" not in step.parameters
    assert step.rollback_action is not None
    assert step.rollback_action["parameters"]["target_lifecycle"] is None
    assert step.rollback_action["parameters"]["restore_previous"] is True


def test_configuration_update_step_and_rollback_to_old_value() -> None:
    step = _plan([config_update(old=100, new=200)]).steps[0]
    assert (step.type, step.target) == (T.CONFIG_UPDATE, CAPABILITY)
    assert step.parameters == {
        "scope": CAPABILITY,
        "key": "max_requests_per_minute",
        "old_value": 100,
        "new_value": 200,
        "check_old_value": True,
    }
    assert step.rollback_action is not None
    back = step.rollback_action["parameters"]
    assert step.rollback_action["type"] == "config_update"
    assert (back["old_value"], back["new_value"], back["check_old_value"]) == (200, 100, True)
    assert back["restore_previous"] is False


def test_parameter_change_gives_one_config_update_per_parameter_in_key_order() -> None:
    job = _plan([parameter_change(parameters={"page_size": 50, "burst": 10})])
    updates = [s for s in job.steps if s.type == T.CONFIG_UPDATE]
    assert [(s.number, s.parameters["key"], s.parameters["new_value"]) for s in updates] == [
        (1, "burst", 10),
        (2, "page_size", 50),
    ]
    for step in updates:
        # Old values are unknown: no check on the way in, restore what was recorded on the way out.
        assert step.parameters["check_old_value"] is False
        assert step.parameters["old_value"] is None
        assert step.rollback_action is not None
        assert step.rollback_action["parameters"]["restore_previous"] is True
        assert step.rollback_action["parameters"]["old_value"] == step.parameters["new_value"]


def test_final_signal_record_step_has_no_rollback_by_design() -> None:
    job = _plan([enable(), config_update()])
    last = job.steps[-1]
    assert [s.type for s in job.steps] == [T.CAPABILITY_ENABLE, T.CONFIG_UPDATE, T.SIGNAL_RECORD]
    assert last.number == 3
    assert last.rollback_action is None
    assert last.target == CAPABILITY
    assert last.parameters["signal_type"] == "CHANGE_RECORDED"
    assert last.parameters["scopes"] == [CAPABILITY]
    assert len(last.parameters["changes"]) == 2


def test_job_fields_come_from_contract() -> None:
    contract = active(execution_constraints={"max_duration_ms": 5_000})
    assert contract.job_id is not None
    job = plan_job(contract, contract.job_id, NOW)
    assert job.kind == JobKind.EXECUTION
    assert job.contract_id == contract.contract_id
    assert job.scope == [CAPABILITY]
    assert job.max_duration_ms == 5_000
    assert (job.activation_window_start, job.activation_window_end) == (T0, T0 + DAY)
    assert job.requested_at == NOW


def test_default_max_duration_is_60000() -> None:
    assert _plan([enable()], execution_constraints={}).max_duration_ms == 60_000


@pytest.mark.parametrize("bad", [0, -1, "60000", True, 1.5])
def test_unusable_max_duration_is_refused(bad: object) -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        _plan([enable()], execution_constraints={"max_duration_ms": bad})
    assert refused.value.rule == "JOB-CONSTRAINTS"


def test_JOB001_system_change_adds_system_to_scope() -> None:
    job = _plan(
        [config_update(scope="SYSTEM", key="maintenance_mode", old=False, new=True), enable()]
    )
    assert job.scope == [CAPABILITY, "SYSTEM"]
    assert [s.target for s in job.steps] == ["SYSTEM", CAPABILITY, "SYSTEM"]
    assert job.steps[-1].parameters["scopes"] == ["SYSTEM", CAPABILITY]


def test_JOB001_change_outside_contract_capabilities_is_refused() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        _plan([enable("BILLING")])
    assert refused.value.rule == "JOB-001"


def test_JOB001_target_spelling_follows_the_contract_scope() -> None:
    job = _plan([enable(CAPABILITY.lower())])
    assert job.steps[0].target == CAPABILITY


def test_SM001_plan_only_for_approved_or_active_contract() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        plan_job(snapshot(), uuid4(), NOW)
    assert refused.value.rule == "CONTRACT-001"


def test_SM006_plan_for_approved_contract_uses_the_deterministic_job() -> None:
    contract = approved()
    job = plan_job(contract, execution_job_id(contract.contract_id), NOW)
    assert job.job_id == execution_job_id(contract.contract_id)


def test_SM006_plan_with_another_job_id_is_refused() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        plan_job(active(), uuid4(), NOW)
    assert refused.value.rule == "SM-006"


# --- rollback ------------------------------------------------------------------------


def _four_step_job() -> JobRequested:
    return _plan([enable(), config_update(), disable()])  # 3 changes + signal_record


def test_JOB006_rollback_runs_completed_steps_in_reverse_order() -> None:
    job = _four_step_job()
    rb_id = rollback_job_id(job.job_id)

    rollback = plan_rollback(job, [1, 2, 3, 4], rb_id, NOW + HOUR)

    assert rollback is not None
    assert rollback.kind == JobKind.ROLLBACK
    assert rollback.job_id == rb_id
    assert rollback.rolls_back_job_id == job.job_id
    assert rollback.contract_id == job.contract_id
    assert rollback.scope == job.scope
    assert [s.number for s in rollback.steps] == [1, 2, 3]
    assert [s.type for s in rollback.steps] == [
        T.CAPABILITY_ENABLE,  # undoes step 3 (disable)
        T.CONFIG_UPDATE,  # undoes step 2
        T.CAPABILITY_DISABLE,  # undoes step 1 (enable)
    ]
    assert [s.parameters["compensates"]["step"] for s in rollback.steps] == [3, 2, 1]
    assert all(s.rollback_action is None for s in rollback.steps)
    assert rollback.activation_window_start == NOW + HOUR


def test_JOB006_only_completed_steps_are_compensated() -> None:
    job = _four_step_job()
    rollback = plan_rollback(job, [2, 1], uuid4(), NOW)  # step 3 failed
    assert rollback is not None
    assert [s.parameters["compensates"]["step"] for s in rollback.steps] == [2, 1]


def test_JOB006_nothing_to_compensate_gives_no_job() -> None:
    job = _four_step_job()
    assert plan_rollback(job, [], uuid4(), NOW) is None


def test_JOB006_unknown_step_numbers_are_refused() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        plan_rollback(_four_step_job(), [1, 9], uuid4(), NOW)
    assert refused.value.rule == "JOB-006"


def test_JOB006_a_rollback_job_is_not_rolled_back() -> None:
    job = _four_step_job()
    rollback = plan_rollback(job, [1], uuid4(), NOW)
    assert rollback is not None
    with pytest.raises(ContractRuleViolation):
        plan_rollback(rollback, [1], uuid4(), NOW)


def test_JOB006_rollback_of_config_update_writes_old_value_back() -> None:
    job = _plan([config_update(old=100, new=200)])
    rollback = plan_rollback(job, [1], uuid4(), NOW)
    assert rollback is not None
    step = rollback.steps[0]
    assert (step.type, step.target) == (T.CONFIG_UPDATE, CAPABILITY)
    assert (step.parameters["old_value"], step.parameters["new_value"]) == (200, 100)


def test_a_capability_provisioned_externally_ends_its_job_with_one_webhook_step() -> None:
    contract = active(proposed_changes=[enable(lifecycle=Lifecycle.PREVIEW)])
    assert contract.job_id is not None
    url = "https://provisioning.example/hooks/govmesh"
    plain = plan_job(contract, contract.job_id, NOW)
    hooked = plan_job(contract, contract.job_id, NOW, hooks={CAPABILITY.lower(): url})
    assert hooked.steps[: len(plain.steps)] == plain.steps
    hook = hooked.steps[-1]
    assert len(hooked.steps) == len(plain.steps) + 1
    assert (hook.number, hook.type, hook.target, hook.adapter) == (
        len(plain.steps) + 1,
        T.SIGNAL_RECORD,
        CAPABILITY,
        "webhook",
    )
    assert hook.parameters["url"] == url
    assert hook.parameters["payload"]["job_id"] == str(contract.job_id)
    assert hook.parameters["payload"]["changes"][0]["type"] == "capability_enable"
    assert hook.rollback_action is None


def test_hooks_for_other_capabilities_leave_the_plan_alone() -> None:
    contract = active(proposed_changes=[enable(lifecycle=Lifecycle.PREVIEW)])
    assert contract.job_id is not None
    plain = plan_job(contract, contract.job_id, NOW)
    other = plan_job(contract, contract.job_id, NOW, hooks={"SOMETHING_ELSE": "http://x"})
    assert other == plain
