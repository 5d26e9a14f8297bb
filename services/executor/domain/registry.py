"""The governed registry (ARCHITECTURE "The governed system") as an immutable value.

Capabilities carry name, enabled, lifecycle, frozen, qualifier and their own config;
SYSTEM carries configuration only. The executor is its only writer; steps produce new
values (see `steps.py`), and `to_records` / `from_records` convert to and from the
`registry.state` messages. `snapshot` is the JSON form recorded as `registry_before` /
`registry_after` on a job's FINISHED event, which the auditor compares (A-003, A-007):

    {"<capability>": {"enabled": bool, "lifecycle": str, "frozen": bool,
                      "qualifier": str | None, "config": {...}},
     "SYSTEM": {"config": {...}}}

Revisions are bookkeeping for the compacted topic and are deliberately not in the snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from govmesh.executor.domain.errors import RegistryRecordError
from govmesh.schemas import SYSTEM_SCOPE, Lifecycle, RegistryState

RULE_REGISTRY = "REGISTRY"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(copy.deepcopy(dict(mapping)))


@dataclass(frozen=True)
class CapabilityState:
    """One governed capability; `revision` grows with every write (starts at 1)."""

    name: str
    enabled: bool
    lifecycle: Lifecycle
    frozen: bool = False
    qualifier: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    revision: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", _frozen(self.config))


@dataclass(frozen=True)
class RegistryModel:
    """Every capability by name, plus the SYSTEM configuration."""

    capabilities: Mapping[str, CapabilityState] = field(default_factory=dict)
    system_config: Mapping[str, Any] = field(default_factory=dict)
    system_revision: int = 1

    def __post_init__(self) -> None:
        if SYSTEM_SCOPE in self.capabilities:
            raise RegistryRecordError(RULE_REGISTRY, f"{SYSTEM_SCOPE} is not a capability")
        for name, capability in self.capabilities.items():
            if name != capability.name:
                raise RegistryRecordError(
                    RULE_REGISTRY, f"capability keyed {name!r} is named {capability.name!r}"
                )
        object.__setattr__(self, "capabilities", MappingProxyType(dict(self.capabilities)))
        object.__setattr__(self, "system_config", _frozen(self.system_config))

    def with_capability(self, capability: CapabilityState) -> RegistryModel:
        """A new registry with `capability` replaced and its revision bumped."""
        bumped = replace(capability, revision=capability.revision + 1)
        return replace(self, capabilities={**self.capabilities, capability.name: bumped})

    def with_system_config(self, config: Mapping[str, Any]) -> RegistryModel:
        """A new registry with the SYSTEM configuration replaced and its revision bumped."""
        return replace(self, system_config=config, system_revision=self.system_revision + 1)


def from_records(records: Iterable[RegistryState]) -> RegistryModel:
    """Build the registry from `registry.state` records; the highest revision per name wins."""
    latest: dict[str, RegistryState] = {}
    for record in records:
        seen = latest.get(record.name)
        if seen is None or record.revision > seen.revision:
            latest[record.name] = record
    system = latest.pop(SYSTEM_SCOPE, None)
    capabilities: dict[str, CapabilityState] = {}
    for name, record in latest.items():
        if record.lifecycle is None:
            raise RegistryRecordError(RULE_REGISTRY, f"capability {name} has no lifecycle")
        capabilities[name] = CapabilityState(
            name=name,
            enabled=record.enabled,
            lifecycle=record.lifecycle,
            frozen=record.frozen,
            qualifier=record.qualifier,
            config=record.config,
            revision=record.revision,
        )
    return RegistryModel(
        capabilities=capabilities,
        system_config=system.config if system is not None else {},
        system_revision=system.revision if system is not None else 1,
    )


def to_records(
    registry: RegistryModel, at: datetime, names: Iterable[str] | None = None
) -> list[RegistryState]:
    """`registry.state` records for `names` (default: every entry, SYSTEM included), by name."""
    wanted = sorted({*registry.capabilities, SYSTEM_SCOPE}) if names is None else sorted(set(names))
    records: list[RegistryState] = []
    for name in wanted:
        if name == SYSTEM_SCOPE:
            records.append(
                RegistryState(
                    name=SYSTEM_SCOPE,
                    enabled=True,
                    config=copy.deepcopy(dict(registry.system_config)),
                    revision=registry.system_revision,
                    updated_at=at,
                )
            )
            continue
        capability = registry.capabilities.get(name)
        if capability is None:
            raise RegistryRecordError(RULE_REGISTRY, f"unknown capability {name}")
        records.append(
            RegistryState(
                name=name,
                enabled=capability.enabled,
                lifecycle=capability.lifecycle,
                frozen=capability.frozen,
                qualifier=capability.qualifier,
                config=copy.deepcopy(dict(capability.config)),
                revision=capability.revision,
                updated_at=at,
            )
        )
    return records


def snapshot(registry: RegistryModel) -> dict[str, Any]:
    """The JSON form recorded on a job's FINISHED event (see the module docstring)."""
    entries: dict[str, Any] = {
        name: {
            "enabled": capability.enabled,
            "lifecycle": capability.lifecycle.value,
            "frozen": capability.frozen,
            "qualifier": capability.qualifier,
            "config": copy.deepcopy(dict(capability.config)),
        }
        for name, capability in sorted(registry.capabilities.items())
    }
    entries[SYSTEM_SCOPE] = {"config": copy.deepcopy(dict(registry.system_config))}
    return entries


def changed_names(before: RegistryModel, after: RegistryModel) -> list[str]:
    """Names whose revision moved between two registries: the records to publish."""
    names = [
        name
        for name, capability in after.capabilities.items()
        if name not in before.capabilities
        or before.capabilities[name].revision != capability.revision
    ]
    if before.system_revision != after.system_revision:
        names.append(SYSTEM_SCOPE)
    return sorted(names)
