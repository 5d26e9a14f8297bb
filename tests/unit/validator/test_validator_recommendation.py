"""Recommended action, in exactly the SPEC §3 order."""

from __future__ import annotations

import pytest

from govmesh.schemas import IssueType, RecommendedAction, Severity
from govmesh.validator.domain.recommendation import recommend
from tests.unit.validator.conftest import Judge

pytestmark = pytest.mark.unit

A = RecommendedAction
T = IssueType
S = Severity


@pytest.mark.parametrize(
    ("issue_type", "severity", "confidence", "action"),
    [
        # 1. escalation → escalate, whatever else holds
        (T.ESCALATION, S.LOW, 0, A.ESCALATE),
        (T.ESCALATION, S.MEDIUM, 100, A.ESCALATE),
        # 2. unknown → defer, whatever else holds
        (T.UNKNOWN, S.CRITICAL, 100, A.DEFER),
        (T.UNKNOWN, S.LOW, 10, A.DEFER),
        # 3. critical bug → escalate, before the confidence rule
        (T.BUG_REPORT, S.CRITICAL, 40, A.ESCALATE),
        (T.BUG_REPORT, S.CRITICAL, 95, A.ESCALATE),
        # 4. confidence < 0.50 → defer, before the low-severity rule
        (T.CAPABILITY_REQUEST, S.LOW, 49, A.DEFER),
        (T.CONFIGURATION_CHANGE, S.HIGH, 49, A.DEFER),
        (T.CAPABILITY_REQUEST, S.CRITICAL, 49, A.DEFER),
        # 5. low and confidence < 0.70 → reject
        (T.BUG_REPORT, S.LOW, 50, A.REJECT),
        (T.CAPABILITY_REQUEST, S.LOW, 69, A.REJECT),
        # 6. otherwise → create_contract
        (T.BUG_REPORT, S.LOW, 70, A.CREATE_CONTRACT),
        (T.CONFIGURATION_CHANGE, S.MEDIUM, 50, A.CREATE_CONTRACT),
        (T.BUG_REPORT, S.HIGH, 61, A.CREATE_CONTRACT),
        (T.CAPABILITY_REQUEST, S.CRITICAL, 90, A.CREATE_CONTRACT),
    ],
)
def test_recommended_action_order(
    issue_type: IssueType, severity: Severity, confidence: int, action: RecommendedAction
) -> None:
    assert recommend(issue_type, severity, confidence).action is action


def test_VAL005_escalation_escalates_end_to_end(judge: Judge) -> None:
    verdict = judge("URGENT", "URGENT: LOGS_LIST shows other tenants' data, possible leak")
    assert verdict.recommended_action is A.ESCALATE
    assert "action:escalate=escalation always escalates (VAL-005)" in verdict.evidence


def test_VAL004_unknown_defers_end_to_end(judge: Judge) -> None:
    verdict = judge("thanks", "the new dashboard is great, thanks team", source="ops_alert")
    assert verdict.issue_type is T.UNKNOWN
    assert verdict.recommended_action is A.DEFER
    assert "action:defer=unknown always defers (VAL-004)" in verdict.evidence


def test_critical_bug_escalates_end_to_end(judge: Judge) -> None:
    verdict = judge(
        "INCIDENT_DETAIL down",
        "INCIDENT_DETAIL health check failing (HTTP 503) in all regions. Outage confirmed.",
        source="ops_alert",
    )
    assert (verdict.issue_type, verdict.severity) == (T.BUG_REPORT, S.CRITICAL)
    assert verdict.recommended_action is A.ESCALATE
    assert "action:escalate=critical bug report" in verdict.evidence


def test_low_confidence_defers_end_to_end(judge: Judge) -> None:
    verdict = judge("incident detail", "the incident detail page is broken")
    assert (verdict.issue_type, verdict.confidence_score) == (T.BUG_REPORT, 0.35)
    assert verdict.recommended_action is A.DEFER


def test_low_severity_low_confidence_rejects_end_to_end(judge: Judge) -> None:
    verdict = judge("typo", "Small thing: the metrics dashboard header says 'Dashbaord'.")
    assert (verdict.severity, verdict.confidence_score) == (S.LOW, 0.65)
    assert verdict.recommended_action is A.REJECT


def test_low_severity_at_0_70_creates_contract_end_to_end(judge: Judge) -> None:
    verdict = judge(
        "colour",
        "The badges on the incident detail page use the wrong colour. Purely cosmetic.",
        source="support_ticket",
    )
    assert (verdict.severity, verdict.confidence_score) == (S.LOW, 0.70)
    assert verdict.recommended_action is A.CREATE_CONTRACT


def test_clear_request_creates_contract_end_to_end(judge: Judge) -> None:
    verdict = judge("enable", "please enable LOG_EXPORT for us")
    assert verdict.recommended_action is A.CREATE_CONTRACT
    assert "action:create_contract=no earlier rule applies" in verdict.evidence
