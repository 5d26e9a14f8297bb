"""Classification indicators per type (SPEC §3 table); evidence names every one that fired."""

from __future__ import annotations

import pytest

from govmesh.schemas import IssueType
from tests.unit.validator.conftest import Judge
from tests.unit.validator.helpers import evidence_with

pytestmark = pytest.mark.unit


# --- capability_request ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("please enable LOG_EXPORT", "enable"),
        ("please disable LOG_EXPORT", "disable"),
        ("please turn on LOG_EXPORT", "enable"),
        ("please turn LOG_EXPORT off", "disable"),
        ("activate LOG_EXPORT for us", "enable"),
    ],
)
def test_capability_request_action_verb_indicator(judge: Judge, text: str, verb: str) -> None:
    verdict = judge(text)

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert f"indicator:capability_request:action_verb={verb}" in verdict.evidence


def test_capability_request_capability_name_indicator(judge: Judge) -> None:
    verdict = judge("please enable LOG_EXPORT and TRACE_VIEWER")

    assert (
        "indicator:capability_request:capability_name=LOG_EXPORT,TRACE_VIEWER" in verdict.evidence
    )


def test_capability_request_access_indicator(judge: Judge) -> None:
    verdict = judge("trace viewer", "could we get access to the trace viewer?")

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert "indicator:capability_request:access_request=access" in verdict.evidence
    assert not evidence_with(verdict, "indicator:capability_request:action_verb")


@pytest.mark.parametrize(
    "body",
    [
        "We'd love to try the anomaly detection beta",
        "is it possible to have trace viewer? we are on the enterprise plan",
        "I'd like to get the trace viewer for my team",
    ],
)
def test_capability_request_ask_naming_its_object(judge: Judge, body: str) -> None:
    verdict = judge("request", body)

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert "indicator:capability_request:access_request=access" in verdict.evidence


def test_ask_for_something_else_is_no_access_request(judge: Judge) -> None:
    verdict = judge("search", "LOG_SEARCH fails with HTTP 500, can we get a fix for LOG_SEARCH?")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert not evidence_with(verdict, "indicator:capability_request:access_request")


def test_capability_name_alone_makes_no_capability_request(judge: Judge) -> None:
    verdict = judge("INCIDENT_DETAIL", "the incident detail page is broken")

    assert verdict.issue_type is IssueType.BUG_REPORT


def test_past_participle_describing_the_past_is_no_request(judge: Judge) -> None:
    verdict = judge("export fails", "Since we enabled LOG_EXPORT every export fails with 403")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert not evidence_with(verdict, "indicator:capability_request:action_verb")


@pytest.mark.parametrize("body", ["please don't disable LOG_SEARCH", "do not disable LOG_SEARCH"])
def test_negated_action_verb_is_not_a_request(judge: Judge, body: str) -> None:
    verdict = judge("LOG_SEARCH", body)

    assert not evidence_with(verdict, "indicator:capability_request:action_verb")


def test_negation_elsewhere_in_the_clause_does_not_cancel_the_verb(judge: Judge) -> None:
    verdict = judge("request", "Not urgent, please enable METRICS_EXPORT")

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert "indicator:capability_request:action_verb=enable" in verdict.evidence


# --- bug_report -----------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["bug", "broken", "not working", "error", "fails"])
def test_bug_report_keyword_indicator(judge: Judge, keyword: str) -> None:
    verdict = judge("LOGS_LIST", f"LOGS_LIST {keyword} when I open page 2, it shows nothing")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert f"indicator:bug_report:keyword={keyword}" in verdict.evidence


def test_bug_report_reproduction_steps_indicator(judge: Judge) -> None:
    body = "ALERT_RULES broken.\nSteps:\n1. open Alert Rules\n2. click Save\nnothing happens"
    verdict = judge("alert rules", body)

    assert "indicator:bug_report:reproduction_steps=present" in verdict.evidence


def test_bug_report_error_message_indicator(judge: Judge) -> None:
    verdict = judge("export", "LOG_EXPORT returns 'HTTP 500 Internal Server Error' on download")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert evidence_with(verdict, "indicator:bug_report:error_message=")


# --- configuration_change ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("configure", "configure"),
        ("setting", "setting"),
        ("parameter", "parameter"),
        ("threshold", "threshold"),
        ("limit", "limit"),
    ],
)
def test_configuration_change_keyword_indicator(judge: Judge, word: str, expected: str) -> None:
    verdict = judge("dashboard", f"please change the max_panels {word} of METRICS_DASHBOARD to 40")

    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE
    assert f"indicator:configuration_change:keyword={expected}" in verdict.evidence


def test_configuration_change_key_and_value_indicators(judge: Judge) -> None:
    verdict = judge("dashboard", "METRICS_DASHBOARD max_panels = 40")

    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE
    assert "indicator:configuration_change:config_key=max_panels" in verdict.evidence
    assert "indicator:configuration_change:desired_value=40" in verdict.evidence
    assert "indicator:configuration_change:change_intent=new value asked" in verdict.evidence


def test_config_key_named_without_a_wish_is_no_configuration_change(judge: Judge) -> None:
    verdict = judge("paging bug", "When page_size is 50 the second page repeats entries, a bug")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert "indicator:configuration_change:config_key=page_size" in verdict.evidence


# --- escalation (VAL-005) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "wording",
    [
        "urgent",
        "emergency",
        "critical",
        "security",
        "leak",
        "vulnerability",
        "breach",
    ],
)
def test_VAL005_escalation_indicator_decides_the_type(judge: Judge, wording: str) -> None:
    verdict = judge("LOGS_LIST", f"LOGS_LIST: {wording} - tenant data visible to others")

    assert verdict.issue_type is IssueType.ESCALATION
    assert f"indicator:escalation:keyword={wording}" in verdict.evidence


@pytest.mark.parametrize(
    "text",
    [
        "please enable METRICS_EXPORT, not urgent",
        "please enable METRICS_EXPORT, non-urgent",
        "our security team asks you to enable METRICS_EXPORT",
    ],
)
def test_negated_or_benign_escalation_wording_does_not_escalate(judge: Judge, text: str) -> None:
    verdict = judge("request", text)

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert not evidence_with(verdict, "indicator:escalation")


# --- unknown (VAL-004) ----------------------------------------------------------------------


def test_VAL004_no_indicators_is_unknown(judge: Judge) -> None:
    verdict = judge("pricing", "How much does the enterprise plan cost?")

    assert verdict.issue_type is IssueType.UNKNOWN
    assert "classification:unknown=no indicators" in verdict.evidence
    assert not evidence_with(verdict, "indicator:")


def test_VAL004_enable_and_disable_of_one_capability_conflict(judge: Judge) -> None:
    verdict = judge("trace viewer", "they want TRACE_VIEWER enabled or disabled, not sure which")

    assert verdict.issue_type is IssueType.UNKNOWN
    assert evidence_with(verdict, "classification:unknown=conflicting indicators")


def test_VAL004_equally_strong_types_conflict(judge: Judge) -> None:
    # One bug keyword against one configuration keyword, nothing else.
    verdict = judge("hmm", "the limit is broken")

    assert verdict.issue_type is IssueType.UNKNOWN
    assert evidence_with(verdict, "classification:unknown=conflicting indicators")


def test_strongest_type_wins_over_weaker_indicators(judge: Judge) -> None:
    verdict = judge("LEGACY_REPORTS", "please disable LEGACY_REPORTS because it is broken")

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert "indicator:bug_report:keyword=broken" in verdict.evidence
