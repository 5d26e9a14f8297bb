"""Deriving a job's steps from the contract's proposed_changes, and its rollback (SPEC §7).

The plan is derived ONLY from `proposed_changes`:

- capability_enable → step capability_enable; rollback capability_disable.
- capability_disable → step capability_disable; rollback capability_enable, back to the
  previous lifecycle when the caller knows it, else `restore_previous`.
- configuration_update → step config_update old_value → new_value; rollback
  config_update back to old_value.
- parameter_change → one config_update per parameter (keys sorted, so the plan does not
  depend on JSON key order); old values are unknown, so the rollback restores the value
  the executor recorded before the step (`restore_previous`).
- then one signal_record (CHANGE_RECORDED for every changed scope); no rollback by
  design (A-005 exempts it).

Parameters the executor must honour:
- `check_old_value`: compare the current value with `old_value` before writing and
  fail the step on a mismatch. A parameter_change does not know old values, so its
  steps carry `check_old_value: false` and their compensation checks the value the
  step wrote instead.
- `restore_previous`: the compensation writes the value (or lifecycle) the executor
  recorded before the compensated step ran — found through `compensates`
  ({job_id, step}) — rather than a value fixed at planning time.
Every rollback_action is {"type", "target", "parameters"} and is a plannable step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.creation import DEFAULT_MAX_DURATION_MS
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.machine import require_aware
from govmesh.schemas import (
    SYSTEM_SCOPE,
    CapabilityDisable,
    CapabilityEnable,
    ConfigurationUpdate,
    ContractSnapshot,
    ContractStatus,
    JobKind,
    JobRequested,
    Lifecycle,
    ParameterChange,
    PlannedStep,
    SignalType,
    StepType,
)
from govmesh.schemas.changes import change_target

S = ContractStatus
T = StepType

#: A rollback runs after a failure, whenever that is; its window only bounds how long
#: it may wait for an executor.
ROLLBACK_WINDOW = timedelta(hours=24)

_Change = CapabilityEnable | CapabilityDisable | ConfigurationUpdate | ParameterChange


def plan_job(
    contract: ContractSnapshot,
    job_id: UUID,
    now: datetime,
    *,
    lifecycles: Mapping[str, Lifecycle] | None = None,
    hooks: Mapping[str, str] | None = None,
) -> JobRequested:
    """The execution job for an APPROVED (about to activate) or ACTIVE contract.

    Steps come only from `proposed_changes`, in their order, then one `signal_record`.
    `hooks` (capability → URL) names capabilities an external system provisions: once the
    change is recorded, one webhook step per such capability tells that system (adapter
    `webhook`, which sends the step's idempotency key and records its compensation).
    `scope` is the affected capabilities plus SYSTEM when a change targets SYSTEM; a
    change outside that scope is refused here (JOB-001) rather than at execution.
    `max_duration_ms` comes from `execution_constraints` (default 60000).
    `lifecycles` (capability → current lifecycle), when known, lets a disable's rollback
    restore the lifecycle the capability had.
    """
    require_aware(now)
    window_start, window_end = _check_plannable(contract, job_id)
    changes: list[_Change] = list(contract.proposed_changes or [])
    scope = _scope(contract, changes)
    canonical = {name.casefold(): name for name in scope}
    steps: list[PlannedStep] = []
    targets: list[str] = []
    for change in changes:
        target = canonical.get(change_target(change).casefold())
        if target is None:
            raise ContractRuleViolation(
                rules.JOB_001,
                f"{change.type} targets {change_target(change)}, outside the contract's"
                f" capabilities {scope}",
            )
        targets.append(target)
        for step_type, parameters, rollback in _steps_for(change, target, lifecycles or {}):
            number = len(steps) + 1
            if rollback is not None:
                rollback["parameters"]["compensates"] = {"job_id": str(job_id), "step": number}
            steps.append(
                PlannedStep(
                    number=number,
                    type=step_type,
                    target=target,
                    parameters=parameters,
                    rollback_action=rollback,
                )
            )
    recorded = list(dict.fromkeys(targets))
    steps.append(
        PlannedStep(
            number=len(steps) + 1,
            type=T.SIGNAL_RECORD,
            target=recorded[0],
            parameters={
                "signal_type": SignalType.CHANGE_RECORDED.value,
                "scopes": recorded,
                "contract_id": str(contract.contract_id),
                "job_id": str(job_id),
                "changes": [change.model_dump(mode="json") for change in changes],
            },
            rollback_action=None,
        )
    )
    for target in recorded:
        url = _hook_for(target, hooks or {})
        if url is not None:
            steps.append(_hook_step(len(steps) + 1, target, url, contract, job_id, changes))
    return JobRequested(
        job_id=job_id,
        contract_id=contract.contract_id,
        kind=JobKind.EXECUTION,
        steps=steps,
        scope=scope,
        max_duration_ms=max_duration_ms(contract),
        activation_window_start=window_start,
        activation_window_end=window_end,
        requested_at=now,
    )


def _hook_for(target: str, hooks: Mapping[str, str]) -> str | None:
    folded = {name.casefold(): url for name, url in hooks.items()}
    return folded.get(target.casefold())


def _hook_step(
    number: int,
    target: str,
    url: str,
    contract: ContractSnapshot,
    job_id: UUID,
    changes: list[_Change],
) -> PlannedStep:
    """Tell the external system that provisions `target` what changed (no registry write)."""
    mine = [c for c in changes if change_target(c).casefold() == target.casefold()]
    return PlannedStep(
        number=number,
        type=T.SIGNAL_RECORD,
        target=target,
        parameters={
            "url": url,
            "payload": {
                "contract_id": str(contract.contract_id),
                "job_id": str(job_id),
                "capability": target,
                "changes": [change.model_dump(mode="json") for change in mine],
            },
        },
        rollback_action=None,
        adapter="webhook",
    )


def plan_rollback(
    job: JobRequested,
    completed_step_numbers: Iterable[int],
    rollback_job_id: UUID,
    now: datetime,
    *,
    window: timedelta = ROLLBACK_WINDOW,
) -> JobRequested | None:
    """The rollback job: each completed step's rollback_action, in reverse order (JOB-006).

    Steps without a rollback_action (signal_record, by design) are skipped. Returns None
    when nothing needs compensating (no completed step has a rollback), since a job has
    at least one step; the caller records that the failed job left nothing to undo.
    """
    require_aware(now)
    if job.kind != JobKind.EXECUTION:
        raise ContractRuleViolation(rules.JOB_006, "a rollback job is never itself rolled back")
    by_number = {step.number: step for step in job.steps}
    completed = sorted(set(completed_step_numbers), reverse=True)
    unknown = [n for n in completed if n not in by_number]
    if unknown:
        raise ContractRuleViolation(rules.JOB_006, f"job {job.job_id} has no steps {unknown}")
    steps: list[PlannedStep] = []
    for number in completed:
        original = by_number[number]
        action = original.rollback_action
        if action is None:
            continue
        steps.append(
            PlannedStep(
                number=len(steps) + 1,
                type=StepType(action["type"]),
                target=action["target"],
                parameters=dict(action["parameters"]),
                rollback_action=None,
                adapter=original.adapter,
            )
        )
    if not steps:
        return None
    return JobRequested(
        job_id=rollback_job_id,
        contract_id=job.contract_id,
        kind=JobKind.ROLLBACK,
        rolls_back_job_id=job.job_id,
        steps=steps,
        scope=job.scope,
        max_duration_ms=job.max_duration_ms,
        activation_window_start=now,
        activation_window_end=now + window,
        requested_at=now,
    )


def max_duration_ms(contract: ContractSnapshot) -> int:
    """`execution_constraints.max_duration_ms`, default 60000; anything else is refused."""
    value = contract.execution_constraints.get("max_duration_ms", DEFAULT_MAX_DURATION_MS)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ContractRuleViolation(
            rules.JOB_CONSTRAINTS, f"max_duration_ms must be a positive integer, not {value!r}"
        )
    return value


def _check_plannable(contract: ContractSnapshot, job_id: UUID) -> tuple[datetime, datetime]:
    """Refuse a contract that cannot have this job; return its activation window."""
    if contract.status not in (S.APPROVED, S.ACTIVE):
        raise ContractRuleViolation(
            rules.CONTRACT_001,
            f"only an APPROVED or ACTIVE contract gets a job (this one is {contract.status.value})",
            related=(rules.SM_001,),
        )
    if contract.job_id is not None and contract.job_id != job_id:
        raise ContractRuleViolation(
            rules.SM_006, f"contract {contract.contract_id} already has job {contract.job_id}"
        )
    if not contract.proposed_changes:
        raise ContractRuleViolation(rules.CONTRACT_006, "the contract has no proposed_changes")
    start, end = contract.activation_window_start, contract.activation_window_end
    if start is None or end is None:
        raise ContractRuleViolation(rules.REVIEW_003, "the contract has no activation window")
    return start, end


def _scope(contract: ContractSnapshot, changes: list[_Change]) -> list[str]:
    scope = list(dict.fromkeys(contract.affected_capabilities))
    touches_system = any(change_target(c).casefold() == SYSTEM_SCOPE.casefold() for c in changes)
    if touches_system and SYSTEM_SCOPE not in scope:
        scope.append(SYSTEM_SCOPE)
    return scope


_StepPlan = tuple[StepType, dict[str, Any], dict[str, Any] | None]


def _steps_for(
    change: _Change, target: str, lifecycles: Mapping[str, Lifecycle]
) -> list[_StepPlan]:
    if isinstance(change, CapabilityEnable):
        return [
            (
                T.CAPABILITY_ENABLE,
                {"capability_name": target, "target_lifecycle": change.target_lifecycle.value},
                _action(
                    T.CAPABILITY_DISABLE,
                    target,
                    {"capability_name": target, "reason": "rollback of capability_enable"},
                ),
            )
        ]
    if isinstance(change, CapabilityDisable):
        previous = lifecycles.get(target)
        parameters: dict[str, Any] = {"capability_name": target, "reason": change.reason}
        if previous is not None:
            parameters["previous_lifecycle"] = previous.value
        return [
            (
                T.CAPABILITY_DISABLE,
                parameters,
                _action(
                    T.CAPABILITY_ENABLE,
                    target,
                    {
                        "capability_name": target,
                        "target_lifecycle": None if previous is None else previous.value,
                        "restore_previous": previous is None,
                    },
                ),
            )
        ]
    if isinstance(change, ConfigurationUpdate):
        return [
            _config_step(
                target, change.key, change.old_value, change.new_value, old_value_known=True
            )
        ]
    return [
        _config_step(target, key, None, change.parameters[key], old_value_known=False)
        for key in sorted(change.parameters)
    ]


def _config_step(
    scope: str, key: str, old_value: Any, new_value: Any, *, old_value_known: bool
) -> _StepPlan:
    forward = {
        "scope": scope,
        "key": key,
        "old_value": old_value,
        "new_value": new_value,
        "check_old_value": old_value_known,
    }
    backward = {
        "scope": scope,
        "key": key,
        "old_value": new_value,
        "new_value": old_value,
        "check_old_value": True,
        "restore_previous": not old_value_known,
    }
    return T.CONFIG_UPDATE, forward, _action(T.CONFIG_UPDATE, scope, backward)


def _action(step_type: StepType, target: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": step_type.value, "target": target, "parameters": parameters}
