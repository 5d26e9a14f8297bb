"""What a contract's `proposed_changes` should have done: the steps and the registry effects.

The step shapes mirror the executor's plan (one step per change; one config_update per key
of a parameter_change):

    capability_enable   target=<capability>  parameters ⊇ {"target_lifecycle"}
    capability_disable  target=<capability>
    config_update       target=<scope>       parameters ⊇ {"key", "new_value", "old_value"}
                        (per parameter_change key: parameters ⊇ {"key", "new_value"})

Registry effects are paths into the executor's registry snapshot, ``(name, field)`` or
``(name, "config", key)``, with the value they must hold after the job (A-003, A-007).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govmesh.schemas import (
    CapabilityDisable,
    CapabilityEnable,
    ConfigurationUpdate,
    ProposedChange,
    StepRecord,
    StepType,
)
from govmesh.schemas.canonical import json_equal

Path = tuple[str, ...]


@dataclass(frozen=True)
class ExpectedStep:
    """A step a change requires: its type, target and the parameters it must carry."""

    type: StepType
    target: str
    parameters: tuple[tuple[str, Any], ...]

    def matches(self, step: StepRecord) -> bool:
        """True when `step` has this type and target and carries every required parameter."""
        return (
            step.type is self.type
            and step.target == self.target
            and all(
                key in step.parameters and json_equal(step.parameters[key], value)
                for key, value in self.parameters
            )
        )

    def describe(self) -> str:
        """A short human-readable form for verdict reasons."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.parameters)
        return f"{self.type.value} {self.target}" + (f" ({params})" if params else "")


def expected_steps(change: ProposedChange) -> list[ExpectedStep]:
    """The steps that carry out one proposed change."""
    if isinstance(change, CapabilityEnable):
        lifecycle = (("target_lifecycle", change.target_lifecycle.value),)
        return [ExpectedStep(StepType.CAPABILITY_ENABLE, change.capability_name, lifecycle)]
    if isinstance(change, CapabilityDisable):
        return [ExpectedStep(StepType.CAPABILITY_DISABLE, change.capability_name, ())]
    if isinstance(change, ConfigurationUpdate):
        params = (
            ("key", change.key),
            ("new_value", change.new_value),
            ("old_value", change.old_value),
        )
        return [ExpectedStep(StepType.CONFIG_UPDATE, change.scope, params)]
    return [
        ExpectedStep(StepType.CONFIG_UPDATE, change.scope, (("key", key), ("new_value", value)))
        for key, value in sorted(change.parameters.items())
    ]


def expected_effects(changes: tuple[ProposedChange, ...]) -> dict[Path, Any]:
    """Registry paths the changes set and the value each must hold afterwards; later wins."""
    effects: dict[Path, Any] = {}
    for change in changes:
        if isinstance(change, CapabilityEnable):
            effects[(change.capability_name, "enabled")] = True
            effects[(change.capability_name, "lifecycle")] = change.target_lifecycle.value
        elif isinstance(change, CapabilityDisable):
            effects[(change.capability_name, "enabled")] = False
        elif isinstance(change, ConfigurationUpdate):
            effects[(change.scope, "config", change.key)] = change.new_value
        else:
            for key, value in change.parameters.items():
                effects[(change.scope, "config", key)] = value
    return effects
