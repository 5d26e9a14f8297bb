"""Hints and event_type are input only: they may weight confidence slightly, never decide."""

from __future__ import annotations

from typing import Any

import pytest

from govmesh.schemas import ValidatorVerdict
from govmesh.validator.domain.hints import HINT_LIMIT
from tests.unit.validator.conftest import Judge
from tests.unit.validator.helpers import evidence_with

pytestmark = pytest.mark.unit

MISLEADING: list[dict[str, Any]] = [
    {"category_hint": "bug", "capability_hints": ["LOG_SEARCH"], "priority_hint": "urgent"},
    {"category_hint": "escalation", "severity_hint": "critical"},
    {"category_hint": "feature_request", "capability_hints": ["AUDIT_TRAIL", "LOGS_LIST"]},
    {"priority_hint": "low", "severity_hint": "low"},
]
TEXTS = [
    ("follow-up", "See previous ticket, same as last time."),
    ("enable", "please enable LOG_EXPORT for us"),
    ("typo", "Small thing: the metrics dashboard header says 'Dashbaord'."),
    ("rate", "Please set max_requests_per_minute to 200 for LOGS_LIST."),
]


def _decisions(verdict: ValidatorVerdict) -> tuple[object, ...]:
    return (
        verdict.issue_type,
        verdict.affected_capabilities,
        verdict.proposed_changes,
        [e for e in verdict.evidence if e.startswith(("indicator:", "capability:"))],
    )


@pytest.mark.parametrize("hints", MISLEADING)
@pytest.mark.parametrize(("subject", "body"), TEXTS)
def test_hints_never_decide_type_capabilities_or_changes(
    judge: Judge, subject: str, body: str, hints: dict[str, Any]
) -> None:
    plain = judge(subject, body)
    hinted = judge(subject, body, hints=hints)

    assert _decisions(hinted) == _decisions(plain)
    assert abs(hinted.confidence_score - plain.confidence_score) <= HINT_LIMIT / 100 + 1e-9


def test_event_type_escalation_without_escalation_wording_does_not_escalate(
    judge: Judge,
) -> None:
    verdict = judge("enable", "please enable LOG_EXPORT for us", event_type="escalation")
    assert verdict.issue_type.value == "capability_request"


def test_agreeing_category_hint_adds_at_most_0_05(judge: Judge) -> None:
    plain = judge("bug", "LOGS_LIST shows a blank page", source="manual")
    hinted = judge(
        "bug", "LOGS_LIST shows a blank page", source="manual", hints={"category_hint": "bug"}
    )

    assert round(hinted.confidence_score - plain.confidence_score, 2) == 0.05
    assert "confidence:hints=+0.05" in hinted.evidence


def test_disagreeing_category_hint_takes_off_at_most_0_05(judge: Judge) -> None:
    plain = judge("bug", "LOGS_LIST shows a blank page", source="manual")
    hinted = judge(
        "bug", "LOGS_LIST shows a blank page", source="manual", hints={"category_hint": "feature"}
    )

    assert round(plain.confidence_score - hinted.confidence_score, 2) == 0.05


def test_capability_hints_are_never_added_to_the_capabilities(judge: Judge) -> None:
    verdict = judge(
        "bug", "LOGS_LIST shows a blank page", hints={"capability_hints": ["AUDIT_TRAIL"]}
    )

    assert verdict.affected_capabilities == ["LOGS_LIST"]
    assert evidence_with(verdict, "confidence:hints=-0.05")


def test_all_hints_agreeing_still_move_confidence_by_at_most_0_05(judge: Judge) -> None:
    verdict = judge(
        "outage",
        "LOGS_LIST shows a blank page",
        source="manual",
        event_type="alert",
        hints={"category_hint": "bug", "capability_hints": ["LOGS_LIST"]},
    )
    assert "confidence:hints=+0.05" in verdict.evidence
