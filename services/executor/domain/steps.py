"""Applying one step to the governed registry, and compensating it (SPEC §7, JOB-003).

Step parameters (the plan is derived from the contract's `proposed_changes`):

    capability_enable   target=<capability>  {"target_lifecycle": "PREVIEW|LAUNCHED|DEPRECATED"}
    capability_disable  target=<capability>  {"reason": str?, "lifecycle": str?}
    config_update       target=<capability>|SYSTEM
                        {"key": str, "new_value": any, "old_value": any?}  or
                        {"key": str, "unset": true, "old_value": any?}
    signal_record       target=<scope>       {"signal_type": SignalType, "reason": str?}

`old_value`, when present, must equal the current value (a missing key reads as null) or the
step fails; a `parameter_change` plans one config_update per key without it. `lifecycle` on
capability_disable and `unset` on config_update exist so compensation restores the state
exactly. A rollback action has the shape ``{"type", "target", "parameters"}``.

Every function returns a new registry and never mutates its input; a refused step leaves
the registry unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from govmesh.executor.domain.registry import CapabilityState, RegistryModel
from govmesh.schemas import (
    SYSTEM_SCOPE,
    Lifecycle,
    PlannedStep,
    SignalType,
    StepRecord,
    StepStatus,
    StepType,
)
from govmesh.schemas.canonical import json_equal

Step = PlannedStep | StepRecord


@dataclass(frozen=True)
class StepOutcome:
    """What one step did: `result` and `rollback_action` are recorded on the StepRecord."""

    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    rollback_action: dict[str, Any] | None = None


def _refused(step: Step, why: str) -> StepOutcome:
    return StepOutcome(
        ok=False, error=f"step {step.number} ({step.type.value} {step.target}): {why}"
    )


def _action(step_type: StepType, target: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": step_type.value, "target": target, "parameters": parameters}


def _lifecycle(value: Any) -> Lifecycle | None:
    return Lifecycle(value) if value in {lc.value for lc in Lifecycle} else None


def _capability(
    registry: RegistryModel, step: Step, compensation: bool
) -> CapabilityState | StepOutcome:
    if step.target == SYSTEM_SCOPE:
        return _refused(step, f"{SYSTEM_SCOPE} is not a capability")
    capability = registry.capabilities.get(step.target)
    if capability is None:
        return _refused(step, f"unknown capability {step.target}")
    # Compensation restores the state the contract was approved against, so a freeze
    # placed since then does not strand a half-applied change.
    if capability.frozen and not compensation:
        return _refused(step, f"cannot modify frozen capability {step.target} (ELIG-005)")
    return capability


def _restore(before: CapabilityState) -> dict[str, Any]:
    if before.enabled:
        params: dict[str, Any] = {"target_lifecycle": before.lifecycle.value}
        return _action(StepType.CAPABILITY_ENABLE, before.name, params)
    params = {"reason": "compensation", "lifecycle": before.lifecycle.value}
    return _action(StepType.CAPABILITY_DISABLE, before.name, params)


def _state(capability: CapabilityState) -> dict[str, Any]:
    return {"enabled": capability.enabled, "lifecycle": capability.lifecycle.value}


def _enable(
    registry: RegistryModel, step: Step, compensation: bool
) -> tuple[RegistryModel, StepOutcome]:
    capability = _capability(registry, step, compensation)
    if isinstance(capability, StepOutcome):
        return registry, capability
    lifecycle = _lifecycle(step.parameters.get("target_lifecycle"))
    if lifecycle is None:
        return registry, _refused(step, "parameters.target_lifecycle must be a lifecycle")
    changed = replace(capability, enabled=True, lifecycle=lifecycle)
    result = {"capability": step.target, "before": _state(capability), "after": _state(changed)}
    return registry.with_capability(changed), StepOutcome(True, result, None, _restore(capability))


def _disable(
    registry: RegistryModel, step: Step, compensation: bool
) -> tuple[RegistryModel, StepOutcome]:
    capability = _capability(registry, step, compensation)
    if isinstance(capability, StepOutcome):
        return registry, capability
    lifecycle = capability.lifecycle
    if "lifecycle" in step.parameters:
        requested = _lifecycle(step.parameters["lifecycle"])
        if requested is None:
            return registry, _refused(step, "parameters.lifecycle must be a lifecycle")
        lifecycle = requested
    changed = replace(capability, enabled=False, lifecycle=lifecycle)
    result = {"capability": step.target, "before": _state(capability), "after": _state(changed)}
    return registry.with_capability(changed), StepOutcome(True, result, None, _restore(capability))


def _config_of(
    registry: RegistryModel, step: Step, compensation: bool
) -> Mapping[str, Any] | StepOutcome:
    if step.target == SYSTEM_SCOPE:
        return registry.system_config
    capability = _capability(registry, step, compensation)
    return capability if isinstance(capability, StepOutcome) else capability.config


def _config_update(
    registry: RegistryModel, step: Step, compensation: bool
) -> tuple[RegistryModel, StepOutcome]:
    config = _config_of(registry, step, compensation)
    if isinstance(config, StepOutcome):
        return registry, config
    key = step.parameters.get("key")
    if not isinstance(key, str) or not key:
        return registry, _refused(step, "parameters.key must be a non-empty string")
    unset = step.parameters.get("unset") is True
    if not unset and "new_value" not in step.parameters:
        return registry, _refused(step, "parameters.new_value is required (or unset: true)")
    current = config.get(key)
    if "old_value" in step.parameters and not json_equal(current, step.parameters["old_value"]):
        return registry, _refused(
            step,
            f"old_value mismatch for {step.target}.{key}: current value {current!r}, "
            f"old_value {step.parameters['old_value']!r}; nothing was written",
        )
    updated = {k: v for k, v in config.items() if k != key}
    if not unset:
        updated[key] = step.parameters["new_value"]
    back: dict[str, Any] = {"key": key}
    if unset:
        back["old_value"] = None
    else:
        back["old_value"] = step.parameters["new_value"]
    if key in config:
        back["new_value"] = current
    else:
        back["unset"] = True
    result = {
        "scope": step.target,
        "key": key,
        "before": current,
        "after": updated.get(key),
        "existed": key in config,
    }
    outcome = StepOutcome(True, result, None, _action(StepType.CONFIG_UPDATE, step.target, back))
    if step.target == SYSTEM_SCOPE:
        return registry.with_system_config(updated), outcome
    capability = registry.capabilities[step.target]
    return registry.with_capability(replace(capability, config=updated)), outcome


def _signal_record(registry: RegistryModel, step: Step) -> tuple[RegistryModel, StepOutcome]:
    signal_type = step.parameters.get("signal_type")
    if signal_type not in {s.value for s in SignalType}:
        return registry, _refused(step, "parameters.signal_type must be a governance signal type")
    result = {
        "scope": step.target,
        "signal_type": signal_type,
        "reason": str(step.parameters.get("reason", "")),
    }
    return registry, StepOutcome(True, result, None, None)


def apply_step(
    registry: RegistryModel, step: Step, *, compensation: bool = False
) -> tuple[RegistryModel, StepOutcome]:
    """Apply one step; on refusal the registry is returned unchanged with the reason.

    capability_enable sets enabled and the target lifecycle; capability_disable clears
    enabled; config_update refuses when `old_value` differs from the current value;
    signal_record changes nothing (the service publishes the governance signal). A
    successful outcome carries the rollback action that restores the state before the
    step. `compensation=True` (a rollback job's steps) ignores a capability freeze.
    """
    if step.type is StepType.CAPABILITY_ENABLE:
        return _enable(registry, step, compensation)
    if step.type is StepType.CAPABILITY_DISABLE:
        return _disable(registry, step, compensation)
    if step.type is StepType.CONFIG_UPDATE:
        return _config_update(registry, step, compensation)
    return _signal_record(registry, step)


def planned_from_action(action: Mapping[str, Any], number: int) -> PlannedStep:
    """The PlannedStep a rollback action describes (``{"type", "target", "parameters"}``).

    An optional ``"adapter"`` names the step adapter that runs the compensation (a webhook
    step declares its own); without it the built-in registry adapter runs it.
    """
    return PlannedStep(
        number=number,
        type=StepType(action["type"]),
        target=action["target"],
        parameters=dict(action.get("parameters", {})),
        adapter=str(action.get("adapter", "registry")),
    )


def rollback_step(registry: RegistryModel, record: StepRecord) -> tuple[RegistryModel, StepOutcome]:
    """Compensate one recorded step (JOB-003): enable ↔ disable, config back to its old value.

    A step that did not complete, or a signal_record (no rollback by design), needs no
    compensation and succeeds without change; a completed step without a rollback action
    fails. The compensation itself refuses when the value has changed since the step.
    """
    if record.status is not StepStatus.COMPLETED:
        return registry, StepOutcome(True, {"compensated": False, "why": "step did not complete"})
    if record.type is StepType.SIGNAL_RECORD:
        return registry, StepOutcome(True, {"compensated": False, "why": "no rollback by design"})
    if record.rollback_action is None:
        return registry, _refused(record, "completed step has no rollback_action")
    try:
        compensating = planned_from_action(record.rollback_action, record.number)
    except (KeyError, TypeError, ValueError) as exc:
        return registry, _refused(record, f"malformed rollback_action: {exc}")
    new_registry, outcome = apply_step(registry, compensating, compensation=True)
    if not outcome.ok:
        return registry, outcome
    return new_registry, replace(outcome, result={**outcome.result, "compensated": True})
