"""Seeding the governed registry from a document: checked, idempotent, revisioned."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from govmesh.executor.domain.errors import RegistryRecordError
from govmesh.executor.domain.registry import RegistryModel
from govmesh.executor.domain.registry_import import parse_document, plan_import

pytestmark = pytest.mark.unit

DEMO = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "data" / "demo_registry.yaml").read_text()
)


def _seeded() -> tuple[RegistryModel, set[str]]:
    model, names = plan_import(RegistryModel(), set(), parse_document(DEMO))
    return model, set(names)


def test_first_import_writes_every_entry_at_revision_1() -> None:
    model, names = _seeded()
    assert names == {*(c["name"] for c in DEMO["capabilities"]), "SYSTEM"}
    assert {c.revision for c in model.capabilities.values()} == {1}
    assert model.system_revision == 1
    assert model.capabilities["AUDIT_TRAIL"].frozen is True
    assert model.capabilities["AUDIT_TRAIL"].qualifier == "compliance"
    assert model.system_config["max_concurrent_exports"] == 5


def test_reimport_of_the_same_document_writes_nothing() -> None:
    model, stored = _seeded()
    again, names = plan_import(model, stored, parse_document(DEMO))
    assert names == []
    assert again.capabilities == model.capabilities


def test_a_changed_entry_gets_the_next_revision_and_others_stay() -> None:
    model, stored = _seeded()
    changed: dict[str, Any] = copy.deepcopy(DEMO)
    changed["capabilities"][0]["config"]["page_size"] = 75
    changed["system"]["config"]["maintenance_mode"] = True
    after, names = plan_import(model, stored, parse_document(changed))
    assert names == ["LOGS_LIST", "SYSTEM"]
    assert after.capabilities["LOGS_LIST"].revision == 2
    assert after.capabilities["LOG_SEARCH"].revision == 1
    assert after.system_revision == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["capabilities"][0].update(lifecycle="GA"), "lifecycle"),
        (lambda d: d["capabilities"][0].update(enabled="yes"), "booleans"),
        (lambda d: d["capabilities"][0].update(colour="red"), "unknown fields"),
        (lambda d: d["capabilities"].append(dict(d["capabilities"][0])), "listed twice"),
        (lambda d: d["capabilities"][0].update(name="SYSTEM"), "capability name"),
        (lambda d: d.update(system={"config": []}), "system.config"),
    ],
)
def test_a_malformed_document_is_refused(mutate: Any, message: str) -> None:
    document: dict[str, Any] = copy.deepcopy(DEMO)
    mutate(document)
    with pytest.raises(RegistryRecordError, match=message):
        parse_document(document)
