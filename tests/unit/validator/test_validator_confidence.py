"""The confidence formula (SPEC §3, VAL-003): 0.5 + source + type modifiers + registry."""

from __future__ import annotations

import pytest

from govmesh.schemas import IssueType, Source, ValidatorVerdict
from govmesh.validator.domain.confidence import Term, as_score, registry_term, total
from tests.unit.validator.conftest import Judge
from tests.unit.validator.helpers import evidence_with

pytestmark = pytest.mark.unit


def _terms(verdict: ValidatorVerdict) -> dict[str, float]:
    terms: dict[str, float] = {}
    for entry in evidence_with(verdict, "confidence:"):
        name, value = entry.removeprefix("confidence:").rsplit("=", 1)
        terms[name] = float(value)
    return terms


def test_VAL003_formula_is_start_plus_every_term(judge: Judge) -> None:
    verdict = judge("LOG_EXPORT", "could we get access to LOG_EXPORT", source="support_ticket")
    terms = _terms(verdict)
    final = terms.pop("total")

    assert terms == {
        "source:support_ticket": 0.10,
        "capability_in_registry": 0.20,
        "registry:all": 0.10,
    }
    assert final == verdict.confidence_score == pytest.approx(0.5 + sum(terms.values()))
    assert verdict.confidence_score == 0.90


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (Source.MANUAL, 0.60),
        (Source.INTEGRATION, 0.60),
        (Source.CRM_FEEDBACK, 0.65),
        (Source.SUPPORT_TICKET, 0.70),
        (Source.OPS_ALERT, 0.80),
    ],
)
def test_VAL003_source_weight(judge: Judge, source: Source, expected: float) -> None:
    # Bug report, specific, no error message or steps, capability known: 0.5 + 0.1 + source.
    verdict = judge("LOGS_LIST", "LOGS_LIST shows a blank page", source=source.value)

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert verdict.confidence_score == expected


@pytest.mark.parametrize(
    ("body", "term", "expected"),
    [
        ("please enable LOG_EXPORT", "capability_in_registry", 0.90),
        ("please enable LOG_EXPORT", "clear_action_verb", 0.90),
        ("could we get access to LOG_EXPORT", "capability_in_registry", 0.80),
        ("maybe enable LOG_EXPORT or something", "vague", 0.70),
        ("please enable the new thing", "vague", 0.30),
    ],
)
def test_VAL003_capability_request_modifiers(
    judge: Judge, body: str, term: str, expected: float
) -> None:
    verdict = judge("request", body, source="manual")

    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert term in _terms(verdict)
    assert verdict.confidence_score == expected


def test_VAL003_capability_request_without_verb_gets_no_verb_bonus(judge: Judge) -> None:
    verdict = judge("request", "could we get access to LOG_EXPORT", source="manual")
    assert "clear_action_verb" not in _terms(verdict)


@pytest.mark.parametrize(
    ("body", "term", "value", "expected"),
    [
        ("LOG_EXPORT fails with 'permission denied'", "error_message", 0.20, 0.80),
        ("LOGS_LIST bug. Steps to reproduce: open page 2", "reproduction_steps", 0.10, 0.70),
        ("LOGS_LIST is broken", "no_specific_behaviour", -0.30, 0.30),
    ],
)
def test_VAL003_bug_report_modifiers(
    judge: Judge, body: str, term: str, value: float, expected: float
) -> None:
    verdict = judge("bug", body, source="manual")

    assert verdict.issue_type is IssueType.BUG_REPORT
    assert _terms(verdict)[term] == value
    assert verdict.confidence_score == expected


@pytest.mark.parametrize(
    ("body", "terms", "expected"),
    [
        (
            "set max_panels on METRICS_DASHBOARD to 40",
            {"key_exists": 0.20, "valid_value_format": 0.10},
            0.90,
        ),
        (
            "set max_panels on METRICS_DASHBOARD to unlimited",
            {"key_exists": 0.20, "invalid_value_format": -0.20},
            0.60,
        ),
        ("raise the limit to 200", {"valid_value_format": 0.10}, 0.50),
    ],
)
def test_VAL003_configuration_change_modifiers(
    judge: Judge, body: str, terms: dict[str, float], expected: float
) -> None:
    verdict = judge("config", body, source="manual")
    found = _terms(verdict)

    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE
    assert {k: found.get(k) for k in terms} == terms
    if "key_exists" not in terms:
        assert "key_exists" not in found
    assert verdict.confidence_score == expected


@pytest.mark.parametrize(
    ("body", "term", "expected"),
    [
        ("please enable LOG_EXPORT", "registry:all", 0.90),
        ("please enable LOG_EXPORT and FANCY_THING", "registry:some", 0.85),
        ("please enable FANCY_THING", "registry:none", 0.50),
    ],
)
def test_VAL003_registry_modifier(judge: Judge, body: str, term: str, expected: float) -> None:
    verdict = judge("request", body, source="manual")

    assert term in _terms(verdict)
    assert verdict.confidence_score == expected


def test_VAL003_registry_modifier_values() -> None:
    assert registry_term(["A", "B"], [True, True]).hundredths == 10
    assert registry_term(["A", "B"], [True, False]).hundredths == 5
    assert registry_term(["A"], [False]).hundredths == -10
    assert registry_term([], []).hundredths == -10


def test_VAL003_system_scope_counts_as_in_registry(judge: Judge) -> None:
    verdict = judge("paging", "set default_page_size to 100", source="manual")

    assert verdict.affected_capabilities == []
    assert _terms(verdict)["registry:all"] == 0.10


def test_VAL003_confidence_is_clamped_to_one(judge: Judge) -> None:
    verdict = judge(
        "LOGS_LIST rate limit",
        "Please set max_requests_per_minute to 200 for LOGS_LIST.",
        source="ops_alert",
    )
    terms = _terms(verdict)
    terms.pop("total")

    assert 0.5 + sum(terms.values()) > 1.0
    assert verdict.confidence_score == 1.0


def test_VAL003_total_clamps_both_ends_and_rounds_to_two_decimals() -> None:
    assert total([Term("down", -90)]) == 0
    assert total([Term("up", 80)]) == 100
    assert total([Term("a", 5), Term("b", 2)]) == 57
    assert as_score(57) == 0.57
    assert as_score(total([Term("a", 5), Term("b", 2)])) == 0.57
