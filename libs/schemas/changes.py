"""Structured proposed changes (SPEC §5): what a contract may change, nothing more."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from govmesh.schemas.common import Lifecycle, Model

CapabilityName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]


class CapabilityEnable(Model):
    type: Literal["capability_enable"] = "capability_enable"
    capability_name: CapabilityName
    target_lifecycle: Lifecycle


class CapabilityDisable(Model):
    type: Literal["capability_disable"] = "capability_disable"
    capability_name: CapabilityName
    reason: str = Field(min_length=1, max_length=1000)


class ConfigurationUpdate(Model):
    """Change one key; `old_value` is checked against the registry before writing."""

    type: Literal["configuration_update"] = "configuration_update"
    scope: CapabilityName
    key: str = Field(min_length=1, max_length=200)
    old_value: Any = None
    new_value: Any


class ParameterChange(Model):
    type: Literal["parameter_change"] = "parameter_change"
    scope: CapabilityName
    parameters: dict[str, Any] = Field(min_length=1)


ProposedChange = Annotated[
    CapabilityEnable | CapabilityDisable | ConfigurationUpdate | ParameterChange,
    Field(discriminator="type"),
]
ProposedChanges = Annotated[list[ProposedChange], Field(min_length=1, max_length=50)]


AnyChange = CapabilityEnable | CapabilityDisable | ConfigurationUpdate | ParameterChange


def change_target(change: AnyChange) -> str:
    """The scope a change touches: a capability name or SYSTEM."""
    if isinstance(change, CapabilityEnable | CapabilityDisable):
        return change.capability_name
    return change.scope
