"""Seeding the governed registry from a document (`registry-import FILE.yaml`).

The document has the shape of tests/data/demo_registry.yaml: ``capabilities`` (a list of
``registry.state`` fields without ``revision``/``updated_at``) and ``system.config``.
Import is idempotent: an entry equal to what is stored keeps its revision and publishes
nothing; a new entry starts at revision 1; a changed one gets the next revision.
Entries stored but absent from the document are kept (import never deletes).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace
from typing import Any

from govmesh.executor.domain.errors import RegistryRecordError
from govmesh.executor.domain.registry import RULE_REGISTRY, CapabilityState, RegistryModel
from govmesh.schemas import SYSTEM_SCOPE, Lifecycle
from govmesh.schemas.canonical import json_equal

_CAPABILITY_FIELDS = frozenset({"name", "enabled", "lifecycle", "frozen", "qualifier", "config"})


@dataclass(frozen=True)
class RegistryDocument:
    """What a registry document asks for: capabilities by name and the SYSTEM config."""

    capabilities: Mapping[str, CapabilityState]
    system_config: Mapping[str, Any] | None


def _capability(entry: Any, position: int) -> CapabilityState:
    if not isinstance(entry, Mapping):
        raise RegistryRecordError(RULE_REGISTRY, f"capabilities[{position}] is not a mapping")
    unknown = set(entry) - _CAPABILITY_FIELDS
    if unknown:
        raise RegistryRecordError(
            RULE_REGISTRY, f"capabilities[{position}] has unknown fields {sorted(unknown)}"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name or name == SYSTEM_SCOPE:
        raise RegistryRecordError(
            RULE_REGISTRY, f"capabilities[{position}].name must be a capability name"
        )
    try:
        lifecycle = Lifecycle(str(entry.get("lifecycle")))
    except ValueError:
        raise RegistryRecordError(
            RULE_REGISTRY, f"{name}: lifecycle must be one of {[lc.value for lc in Lifecycle]}"
        ) from None
    enabled, frozen = entry.get("enabled"), entry.get("frozen", False)
    if not isinstance(enabled, bool) or not isinstance(frozen, bool):
        raise RegistryRecordError(RULE_REGISTRY, f"{name}: enabled and frozen must be booleans")
    qualifier = entry.get("qualifier")
    if qualifier is not None and not isinstance(qualifier, str):
        raise RegistryRecordError(RULE_REGISTRY, f"{name}: qualifier must be a string or null")
    config = entry.get("config") or {}
    if not isinstance(config, Mapping):
        raise RegistryRecordError(RULE_REGISTRY, f"{name}: config must be a mapping")
    return CapabilityState(
        name=name,
        enabled=enabled,
        lifecycle=lifecycle,
        frozen=frozen,
        qualifier=qualifier,
        config=dict(config),
    )


def parse_document(document: Any) -> RegistryDocument:
    """Check a loaded YAML/JSON document and return what it asks for; refuse anything odd."""
    if not isinstance(document, Mapping):
        raise RegistryRecordError(RULE_REGISTRY, "the registry document must be a mapping")
    entries = document.get("capabilities") or []
    if not isinstance(entries, list):
        raise RegistryRecordError(RULE_REGISTRY, "capabilities must be a list")
    capabilities: dict[str, CapabilityState] = {}
    for position, entry in enumerate(entries):
        capability = _capability(entry, position)
        if capability.name in capabilities:
            raise RegistryRecordError(
                RULE_REGISTRY, f"capability {capability.name} is listed twice"
            )
        capabilities[capability.name] = capability
    system = document.get("system")
    system_config: Mapping[str, Any] | None = None
    if system is not None:
        config = system.get("config") if isinstance(system, Mapping) else None
        if not isinstance(config, Mapping):
            raise RegistryRecordError(RULE_REGISTRY, "system.config must be a mapping")
        system_config = dict(config)
    return RegistryDocument(capabilities=capabilities, system_config=system_config)


def _same(a: CapabilityState, b: CapabilityState) -> bool:
    return (a.enabled, a.lifecycle, a.frozen, a.qualifier) == (
        b.enabled,
        b.lifecycle,
        b.frozen,
        b.qualifier,
    ) and json_equal(dict(a.config), dict(b.config))


def plan_import(
    current: RegistryModel, stored: Set[str], document: RegistryDocument
) -> tuple[RegistryModel, list[str]]:
    """The registry after importing `document`, and the names whose records must be written.

    `stored` names the entries that exist in storage (SYSTEM included when stored), so a
    first SYSTEM record starts at revision 1 like any new capability.
    """
    capabilities = dict(current.capabilities)
    written: list[str] = []
    for name, wanted in sorted(document.capabilities.items()):
        existing = capabilities.get(name) if name in stored else None
        if existing is None:
            capabilities[name] = replace(wanted, revision=1)
        elif _same(existing, wanted):
            continue
        else:
            capabilities[name] = replace(wanted, revision=existing.revision + 1)
        written.append(name)
    system_config, system_revision = current.system_config, current.system_revision
    if document.system_config is not None:
        if SYSTEM_SCOPE not in stored:
            system_config, system_revision = document.system_config, 1
            written.append(SYSTEM_SCOPE)
        elif not json_equal(dict(current.system_config), dict(document.system_config)):
            system_config, system_revision = document.system_config, current.system_revision + 1
            written.append(SYSTEM_SCOPE)
    model = RegistryModel(
        capabilities=capabilities, system_config=system_config, system_revision=system_revision
    )
    return model, sorted(written)
