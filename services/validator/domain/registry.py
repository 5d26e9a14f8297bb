"""The registry snapshot the Validator reads (materialised from `registry.state`).

The snapshot is a value: the service builds a new one for every `RegistryState` it
consumes and hands the current one to `validate`. An empty snapshot is valid — an
issue that arrives before any registry record still gets a verdict (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from govmesh.schemas import SYSTEM_SCOPE, Lifecycle, RegistryState

#: `version` of a snapshot that reflects no `registry.state` record yet.
NO_VERSION = -1


def _frozen(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(config))


@dataclass(frozen=True)
class CapabilityRecord:
    """One capability as the registry's only writer, the executor, last published it."""

    name: str
    enabled: bool
    lifecycle: Lifecycle | None = None
    frozen: bool = False
    qualifier: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    revision: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", _frozen(self.config))

    def __deepcopy__(self, memo: dict[int, Any]) -> CapabilityRecord:
        # An immutable value is its own copy (and mappingproxy cannot be deep-copied).
        return self


@dataclass(frozen=True)
class RegistrySnapshot:
    """Capabilities by name plus SYSTEM configuration, at `version` (a topic offset).

    `version` is the offset of the last `registry.state` record applied; `NO_VERSION`
    (-1) means none has been read. `has_system` says whether a SYSTEM record exists.
    """

    capabilities: Mapping[str, CapabilityRecord] = field(default_factory=dict)
    system_config: Mapping[str, Any] = field(default_factory=dict)
    has_system: bool = False
    version: int = NO_VERSION
    system_revision: int = 0

    def __post_init__(self) -> None:
        ordered = {name: self.capabilities[name] for name in sorted(self.capabilities)}
        object.__setattr__(self, "capabilities", MappingProxyType(ordered))
        object.__setattr__(self, "system_config", _frozen(self.system_config))

    def __deepcopy__(self, memo: dict[int, Any]) -> RegistrySnapshot:
        return self

    @classmethod
    def empty(cls) -> RegistrySnapshot:
        """The snapshot before any registry record has been read."""
        return cls()

    @classmethod
    def from_states(cls, states: Iterable[RegistryState], version: int) -> RegistrySnapshot:
        """Build a snapshot from `registry.state` records (newest revision per name wins)."""
        snapshot = cls.empty()
        for state in states:
            snapshot = snapshot.with_state(state, version)
        return RegistrySnapshot(
            capabilities=snapshot.capabilities,
            system_config=snapshot.system_config,
            has_system=snapshot.has_system,
            version=version,
            system_revision=snapshot.system_revision,
        )

    @classmethod
    def from_document(cls, document: Mapping[str, Any], version: int = 0) -> RegistrySnapshot:
        """Build a snapshot from a registry document (see `tests/data/demo_registry.yaml`).

        The document has `capabilities` (a list of name, enabled, lifecycle, frozen,
        qualifier, config) and optionally `system.config`. Raises `ValueError` on a
        malformed document.
        """
        capabilities: dict[str, CapabilityRecord] = {}
        for entry in document.get("capabilities") or []:
            record = _record_from_entry(entry)
            if record.name.upper() == SYSTEM_SCOPE:
                raise ValueError("SYSTEM belongs under `system`, not `capabilities`")
            if record.name in capabilities:
                raise ValueError(f"capability {record.name!r} is listed twice")
            capabilities[record.name] = record
        system = document.get("system")
        if system is not None and not isinstance(system, Mapping):
            raise ValueError("`system` must be a mapping")
        system_config = _config_of(system.get("config") if system else None, SYSTEM_SCOPE)
        return cls(
            capabilities=capabilities,
            system_config=system_config,
            has_system=system is not None,
            version=version,
        )

    def with_state(self, state: RegistryState, version: int) -> RegistrySnapshot:
        """This snapshot after applying one `registry.state` record read at offset `version`.

        A record older than the one held (lower `revision`) changes nothing but the version,
        so replaying a compacted topic out of order cannot roll the view back.
        """
        version = max(version, self.version)
        if state.name == SYSTEM_SCOPE:
            if state.revision < self.system_revision:
                return self._at(version)
            return RegistrySnapshot(
                capabilities=self.capabilities,
                system_config=state.config,
                has_system=True,
                version=version,
                system_revision=state.revision,
            )
        held = self.capabilities.get(state.name)
        if held is not None and state.revision < held.revision:
            return self._at(version)
        record = CapabilityRecord(
            name=state.name,
            enabled=state.enabled,
            lifecycle=state.lifecycle,
            frozen=state.frozen,
            qualifier=state.qualifier,
            config=state.config,
            revision=state.revision,
        )
        return RegistrySnapshot(
            capabilities={**self.capabilities, state.name: record},
            system_config=self.system_config,
            has_system=self.has_system,
            version=version,
            system_revision=self.system_revision,
        )

    def _at(self, version: int) -> RegistrySnapshot:
        return RegistrySnapshot(
            capabilities=self.capabilities,
            system_config=self.system_config,
            has_system=self.has_system,
            version=version,
            system_revision=self.system_revision,
        )

    def names(self) -> tuple[str, ...]:
        """Capability names, sorted (SYSTEM is not a capability)."""
        return tuple(self.capabilities)

    def find(self, name: str) -> CapabilityRecord | None:
        """The capability called `name`, compared case-insensitively."""
        exact = self.capabilities.get(name)
        if exact is not None:
            return exact
        folded = name.casefold()
        for candidate, record in self.capabilities.items():
            if candidate.casefold() == folded:
                return record
        return None

    def contains(self, scope: str) -> bool:
        """Whether `scope` (a capability name or SYSTEM) exists in this registry."""
        if scope.upper() == SYSTEM_SCOPE:
            return self.has_system
        return self.find(scope) is not None

    def config_of(self, scope: str) -> Mapping[str, Any] | None:
        """The configuration of a capability or of SYSTEM; None when the scope is unknown."""
        if scope.upper() == SYSTEM_SCOPE:
            return self.system_config if self.has_system else None
        record = self.find(scope)
        return record.config if record is not None else None

    def config_keys(self) -> tuple[str, ...]:
        """Every configuration key of any scope, sorted and de-duplicated."""
        keys = set(self.system_config)
        for record in self.capabilities.values():
            keys.update(record.config)
        return tuple(sorted(keys))

    def owners_of(self, key: str) -> tuple[str, ...]:
        """Scopes whose configuration has `key`: capabilities (sorted), then SYSTEM."""
        owners = [name for name, record in self.capabilities.items() if key in record.config]
        if self.has_system and key in self.system_config:
            owners.append(SYSTEM_SCOPE)
        return tuple(owners)


def _config_of(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"config of {where} must be a mapping with string keys")
    return dict(value)


def _record_from_entry(entry: Any) -> CapabilityRecord:
    if not isinstance(entry, Mapping):
        raise ValueError("each capability must be a mapping")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("each capability needs a non-empty `name`")
    enabled = entry.get("enabled", False)
    frozen = entry.get("frozen", False)
    if not isinstance(enabled, bool) or not isinstance(frozen, bool):
        raise ValueError(f"{name}: `enabled` and `frozen` must be booleans")
    lifecycle_raw = entry.get("lifecycle")
    try:
        lifecycle = Lifecycle(lifecycle_raw) if lifecycle_raw is not None else None
    except ValueError:
        raise ValueError(f"{name}: unknown lifecycle {lifecycle_raw!r}") from None
    qualifier = entry.get("qualifier")
    if qualifier is not None and not isinstance(qualifier, str):
        raise ValueError(f"{name}: `qualifier` must be a string")
    return CapabilityRecord(
        name=name,
        enabled=enabled,
        lifecycle=lifecycle,
        frozen=frozen,
        qualifier=qualifier,
        config=_config_of(entry.get("config"), name),
    )
