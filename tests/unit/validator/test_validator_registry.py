"""The registry snapshot the Validator judges against (materialised from registry.state)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from govmesh.schemas import SYSTEM_SCOPE, Lifecycle, RegistryState
from govmesh.validator.domain import NO_VERSION, RegistrySnapshot, validate
from tests.unit.validator.helpers import NOW, build_event, load_demo_registry

pytestmark = pytest.mark.unit

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def _state(name: str, revision: int, **fields: object) -> RegistryState:
    data: dict[str, object] = {
        "name": name,
        "enabled": True,
        "lifecycle": Lifecycle.LAUNCHED,
        "config": {},
        "revision": revision,
        "updated_at": T0,
        **fields,
    }
    return RegistryState.model_validate(data)


def test_VAL001_empty_snapshot_has_no_version_and_still_gets_a_verdict() -> None:
    empty = RegistrySnapshot.empty()
    assert empty.version == NO_VERSION
    assert empty.names() == ()
    assert not empty.contains(SYSTEM_SCOPE)

    verdict = validate(build_event("please enable LOGS_LIST"), empty, NOW)

    assert verdict.reason.startswith("Classified as capability_request")
    assert verdict.affected_capabilities == ["LOGS_LIST"]
    assert "registry:version=-1" in verdict.evidence


def test_demo_registry_document_loads_capabilities_and_system_config() -> None:
    registry = load_demo_registry(version=12)

    assert registry.version == 12
    assert len(registry.names()) == 11
    audit = registry.find("audit_trail")
    assert audit is not None and audit.frozen and audit.qualifier == "compliance"
    assert registry.config_of("LOGS_LIST") == {"max_requests_per_minute": 100, "page_size": 50}
    assert registry.config_of(SYSTEM_SCOPE) is not None
    assert registry.owners_of("max_requests_per_minute") == ("LOGS_LIST", "LOG_SEARCH", "SYSTEM")
    assert registry.owners_of("retention_days") == ("AUDIT_TRAIL", "TRACE_VIEWER")


def test_from_states_keeps_the_newest_revision_and_reads_system() -> None:
    states = [
        _state("LOGS_LIST", 2, config={"page_size": 100}),
        _state("LOGS_LIST", 1, config={"page_size": 50}),
        _state(SYSTEM_SCOPE, 1, lifecycle=None, config={"maintenance_mode": False}),
    ]

    snapshot = RegistrySnapshot.from_states(states, version=41)

    assert snapshot.version == 41
    assert snapshot.config_of("LOGS_LIST") == {"page_size": 100}
    assert snapshot.has_system and snapshot.system_config == {"maintenance_mode": False}
    assert snapshot.names() == ("LOGS_LIST",)


def test_with_state_never_rolls_back_to_an_older_revision_but_advances_version() -> None:
    newer = RegistrySnapshot.empty().with_state(_state("LOG_SEARCH", 5, enabled=False), 3)

    replayed = newer.with_state(_state("LOG_SEARCH", 4, enabled=True), 4)

    record = replayed.find("LOG_SEARCH")
    assert record is not None and record.enabled is False and record.revision == 5
    assert replayed.version == 4


def test_snapshot_is_immutable() -> None:
    registry = load_demo_registry()
    record = registry.find("LOGS_LIST")
    assert record is not None
    with pytest.raises(TypeError):
        record.config["page_size"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        registry.capabilities["X"] = record  # type: ignore[index]


def test_snapshot_copies_are_the_snapshot_itself() -> None:
    registry = load_demo_registry()
    assert copy.deepcopy(registry) is registry
    assert copy.deepcopy(registry) == load_demo_registry()


def test_find_and_contains_are_case_insensitive() -> None:
    registry = load_demo_registry()
    assert registry.contains("logs_list")
    assert registry.contains("system")
    assert not registry.contains("NOT_A_CAPABILITY")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"capabilities": [{"name": ""}]}, "non-empty"),
        ({"capabilities": [{"name": "A", "lifecycle": "GA"}]}, "unknown lifecycle"),
        ({"capabilities": [{"name": "A"}, {"name": "A"}]}, "twice"),
        ({"capabilities": [{"name": "SYSTEM"}]}, "SYSTEM belongs"),
        ({"capabilities": [{"name": "A", "config": [1]}]}, "mapping"),
        ({"capabilities": [{"name": "A", "enabled": "yes"}]}, "booleans"),
    ],
)
def test_malformed_registry_document_is_refused(document: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RegistrySnapshot.from_document(document)
