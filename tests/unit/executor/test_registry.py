"""The governed registry value and its registry.state records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.executor.domain.errors import RegistryRecordError
from govmesh.executor.domain.registry import (
    CapabilityState,
    RegistryModel,
    changed_names,
    from_records,
    snapshot,
    to_records,
)
from govmesh.executor.domain.steps import apply_step
from govmesh.schemas import Lifecycle, RegistryState

from .factories import INCIDENTS, LOGS, T0, config_step, enable_step, make_registry

pytestmark = pytest.mark.unit


def test_records_round_trip() -> None:
    registry = make_registry()
    records = to_records(registry, T0)
    assert [r.name for r in records] == sorted([*registry.capabilities, "SYSTEM"])
    assert from_records(records) == registry


def test_system_record_carries_config_only() -> None:
    (system,) = to_records(make_registry(), T0, ["SYSTEM"])
    assert system.lifecycle is None
    assert system.config == {"max_requests_per_minute": 100}


def test_from_records_keeps_the_highest_revision() -> None:
    old = RegistryState(
        name=LOGS, enabled=False, lifecycle=Lifecycle.PREVIEW, revision=1, updated_at=T0
    )
    new = RegistryState(
        name=LOGS,
        enabled=True,
        lifecycle=Lifecycle.LAUNCHED,
        revision=2,
        updated_at=T0 + timedelta(1),
    )
    assert from_records([new, old]).capabilities[LOGS].enabled is True


def test_capability_without_lifecycle_is_refused() -> None:
    record = RegistryState(name=LOGS, enabled=True, revision=1, updated_at=T0)
    with pytest.raises(RegistryRecordError, match="no lifecycle"):
        from_records([record])


def test_system_is_not_a_capability() -> None:
    with pytest.raises(RegistryRecordError):
        RegistryModel(
            capabilities={
                "SYSTEM": CapabilityState(name="SYSTEM", enabled=True, lifecycle=Lifecycle.PREVIEW)
            }
        )


def test_capability_key_must_match_its_name() -> None:
    with pytest.raises(RegistryRecordError):
        RegistryModel(
            capabilities={"A": CapabilityState(name="B", enabled=True, lifecycle=Lifecycle.PREVIEW)}
        )


def test_snapshot_is_the_auditors_format_without_revisions() -> None:
    snap = snapshot(make_registry())
    assert snap[INCIDENTS] == {
        "enabled": True,
        "lifecycle": "LAUNCHED",
        "frozen": False,
        "qualifier": "beta-tenants",
        "config": {"page_size": 50},
    }
    assert snap["SYSTEM"] == {"config": {"max_requests_per_minute": 100}}


def test_changed_names_lists_written_entries_only() -> None:
    before = make_registry()
    after, _ = apply_step(before, enable_step(1, LOGS))
    after, _ = apply_step(after, config_step(2))
    assert changed_names(before, after) == [LOGS, "SYSTEM"]
    published = to_records(after, T0, changed_names(before, after))
    assert [r.revision for r in published] == [2, 2]


def test_registry_values_cannot_be_mutated_in_place() -> None:
    registry = make_registry()
    with pytest.raises(TypeError):
        registry.system_config["max_requests_per_minute"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        registry.capabilities[INCIDENTS].config["page_size"] = 1  # type: ignore[index]


def test_unknown_name_in_to_records_is_refused() -> None:
    with pytest.raises(RegistryRecordError, match="unknown capability"):
        to_records(make_registry(), T0, ["NOPE"])
