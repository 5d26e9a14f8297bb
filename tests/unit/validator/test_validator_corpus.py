"""Agreement with a labelled corpus of realistic CRM events (tests/data/validator_corpus.json).

An event agrees only when all four expectations match: issue_type, recommended_action,
affected_capabilities (as a set) and the kinds of proposed_changes (as a sorted list,
empty when proposed_changes is null). The registry they are judged against is
tests/data/demo_registry.yaml.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
import yaml

from govmesh.schemas import CrmEvent, ValidatorVerdict
from govmesh.validator.domain import RegistrySnapshot, validate
from tests.unit.validator.helpers import DATA

pytestmark = pytest.mark.unit

MINIMUM_AGREEMENT = 0.95
CORPUS: dict[str, Any] = json.loads((DATA / "validator_corpus.json").read_text(encoding="utf-8"))


def _registry() -> RegistrySnapshot:
    document = yaml.safe_load((DATA / CORPUS["registry_file"]).read_text(encoding="utf-8"))
    return RegistrySnapshot.from_document(document, CORPUS["registry_version"])


def _observed(verdict: ValidatorVerdict) -> dict[str, Any]:
    return {
        "issue_type": verdict.issue_type.value,
        "recommended_action": verdict.recommended_action.value,
        "affected_capabilities": sorted(verdict.affected_capabilities),
        "proposed_change_kinds": sorted(c.type for c in verdict.proposed_changes or ()),
    }


def _expected(entry: dict[str, Any]) -> dict[str, Any]:
    expected = dict(entry["expected"])
    expected["affected_capabilities"] = sorted(expected["affected_capabilities"])
    expected["proposed_change_kinds"] = sorted(expected["proposed_change_kinds"])
    return expected


def test_corpus_is_large_varied_and_valid() -> None:
    events = CORPUS["events"]
    assert len(events) >= 60
    assert len({e["id"] for e in events}) == len(events)
    parsed = [CrmEvent.model_validate(e["event"]) for e in events]
    assert len({p.envelope.source for p in parsed}) == 5
    assert len({p.envelope.event_id for p in parsed}) == len(parsed)
    kinds = Counter(k for e in events for k in e["expected"]["proposed_change_kinds"])
    assert set(kinds) == {
        "capability_enable",
        "capability_disable",
        "configuration_update",
        "parameter_change",
    }
    types = Counter(e["expected"]["issue_type"] for e in events)
    assert set(types) == {
        "capability_request",
        "bug_report",
        "configuration_change",
        "escalation",
        "unknown",
    }


def test_corpus_agreement_is_at_least_95_percent(capsys: pytest.CaptureFixture[str]) -> None:
    registry = _registry()
    now = datetime.fromisoformat(CORPUS["analyzed_at"])
    misses: list[str] = []
    for entry in CORPUS["events"]:
        verdict = validate(CrmEvent.model_validate(entry["event"]), registry, now)
        observed, expected = _observed(verdict), _expected(entry)
        if observed != expected:
            differing = {
                k: (observed[k], expected[k]) for k in expected if observed[k] != expected[k]
            }
            misses.append(f"{entry['id']}: {differing} (observed, expected)")
    total = len(CORPUS["events"])
    agreement = (total - len(misses)) / total
    with capsys.disabled():
        print(f"\nvalidator corpus agreement: {total - len(misses)}/{total} = {agreement:.1%}")
        for miss in misses:
            print(f"  disagrees {miss}")

    assert agreement >= MINIMUM_AGREEMENT, "\n".join(misses)
