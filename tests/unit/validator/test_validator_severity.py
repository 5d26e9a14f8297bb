"""Severity rules and their confidence thresholds (SPEC §3)."""

from __future__ import annotations

import pytest

from govmesh.schemas import IssueType, RecommendedAction, Severity
from govmesh.validator.domain.severity import assess
from govmesh.validator.domain.signals import read_signals
from govmesh.validator.domain.text import EventText
from tests.unit.validator.conftest import Judge

pytestmark = pytest.mark.unit


def _severity(body: str, confidence: int) -> Severity:
    return assess(read_signals(EventText.of("subject", body)), confidence).severity


@pytest.mark.parametrize(
    "body",
    [
        "errors for all tenants",
        "a security incident on LOG_EXPORT",
        "data loss in the export pipeline",
        "LOG_SEARCH outage",
        "tenant A sees other tenants' logs",
    ],
)
def test_critical_only_when_confidence_above_0_80(body: str) -> None:
    assert _severity(body, 81) is Severity.CRITICAL
    assert _severity(body, 80) is Severity.HIGH


@pytest.mark.parametrize(
    "body",
    [
        "our on-call workflow is completely blocked",
        "the page does not load at all",
        "LOGS_LIST is unusable for us",
        "no workaround found",
    ],
)
def test_high_only_when_confidence_above_0_60(body: str) -> None:
    assert _severity(body, 100) is Severity.HIGH
    assert _severity(body, 61) is Severity.HIGH
    assert _severity(body, 60) is Severity.MEDIUM


def test_critical_signal_with_confidence_at_most_0_60_is_medium() -> None:
    assert _severity("outage for all tenants", 60) is Severity.MEDIUM


@pytest.mark.parametrize(
    "body",
    [
        "purely cosmetic: the header colour is off",
        "typo in the title",
        "the docs for METRICS_EXPORT are outdated",
        "minor enhancement suggestion",
    ],
)
def test_low_for_cosmetic_enhancement_documentation(body: str) -> None:
    assert _severity(body, 100) is Severity.LOW
    assert _severity(body, 10) is Severity.LOW


def test_low_signal_beside_degradation_is_medium() -> None:
    assert _severity("the page is slow to load, also a typo in the title", 90) is Severity.MEDIUM


@pytest.mark.parametrize(
    "body", ["search results are degraded", "there is a workaround", "the button moved"]
)
def test_medium_is_the_default(body: str) -> None:
    assert _severity(body, 100) is Severity.MEDIUM


def test_critical_multi_tenant_alert_end_to_end(judge: Judge) -> None:
    verdict = judge(
        "LOG_SEARCH 5xx error rate 38% (all tenants)",
        "error rate 38% across all tenants since 09:12 UTC",
        source="ops_alert",
        event_type="alert",
    )

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert verdict.severity is Severity.CRITICAL
    assert verdict.confidence_score > 0.80
    assert verdict.recommended_action is RecommendedAction.ESCALATE


def test_same_words_with_confidence_0_80_are_only_high(judge: Judge) -> None:
    verdict = judge("outage", "LOG_SEARCH fails with HTTP 503 for all tenants", source="manual")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert verdict.confidence_score == 0.80
    assert verdict.severity is Severity.HIGH
    assert verdict.recommended_action is RecommendedAction.CREATE_CONTRACT
