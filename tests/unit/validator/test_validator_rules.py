"""VAL-001 … VAL-005 by name."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from govmesh.schemas import CrmEvent, IssueType, RecommendedAction, canonical_bytes
from govmesh.validator.domain import (
    NOTIFY_HUMAN,
    VALIDATOR_VERSION,
    RegistrySnapshot,
    fallback_verdict,
    requires_human_notification,
    validate,
)
from tests.unit.validator.conftest import Judge
from tests.unit.validator.helpers import DATA, NOW, build_event, load_demo_registry

pytestmark = pytest.mark.unit

SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
REGISTRY = load_demo_registry()
CORPUS = json.loads((DATA / "validator_corpus.json").read_text(encoding="utf-8"))

_WORDS = [
    "enable",
    "disable",
    "turn on",
    "turn it off",
    "please",
    "LOGS_LIST",
    "log serch",
    "METRICS_EXPORT",
    "broken",
    "error",
    "'HTTP 500'",
    "steps to reproduce:\n1. a\n2. b",
    "set",
    "max_requests_per_minute",
    "to",
    "200",
    "=",
    "unlimited",
    "limit",
    "urgent",
    "not",
    "security",
    "team",
    "all tenants",
    "typo",
    "maybe",
    "because",
    "it",
    "SYSTEM",
    "retention_days",
    "0.25",
    "instead of",
    "50",
    "AUDIT_TRAIL",
    "FOO_BAR",
    "?",
    ".",
    ",",
]
_TEXT = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=12)), min_size=1, max_size=25
).map(" ".join)


def _event_or_skip(subject: str, body: str) -> CrmEvent:
    try:
        return build_event(subject[:200], body)
    except ValidationError:
        assume(False)
        raise


# --- VAL-001 stateless and deterministic -------------------------------------------------------


def test_VAL001_same_inputs_give_an_identical_verdict_over_the_corpus() -> None:
    for entry in CORPUS["events"]:
        event = CrmEvent.model_validate(entry["event"])
        first = validate(event, REGISTRY, NOW)
        second = validate(event, REGISTRY, NOW)
        assert first == second
        assert canonical_bytes(first.model_dump(mode="json")) == canonical_bytes(
            second.model_dump(mode="json")
        )


def test_VAL001_no_state_carries_over_between_calls() -> None:
    a = build_event("please enable LOGS_LIST")
    b = build_event("URGENT: data leak in LOG_EXPORT")
    before = validate(a, REGISTRY, NOW)
    validate(b, RegistrySnapshot.empty(), NOW)
    assert validate(a, REGISTRY, NOW) == before


def test_VAL001_verdict_depends_on_the_registry_given() -> None:
    event = build_event("please enable LOGS_LIST")
    assert validate(event, REGISTRY, NOW).confidence_score == 0.95
    assert validate(event, RegistrySnapshot.empty(), NOW).confidence_score == 0.55


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(subject=_TEXT, body=_TEXT)
def test_VAL001_VAL003_VAL004_any_text_gives_a_deterministic_well_formed_verdict(
    subject: str, body: str
) -> None:
    event = _event_or_skip(subject, body)

    verdict = validate(event, REGISTRY, NOW)

    assert verdict == validate(event, REGISTRY, NOW)
    assert not verdict.reason.startswith("Validator error"), verdict.reason
    assert 0.0 <= verdict.confidence_score <= 1.0
    assert round(verdict.confidence_score, 2) == verdict.confidence_score
    assert verdict.validator_version == VALIDATOR_VERSION
    if verdict.issue_type is IssueType.UNKNOWN:
        assert verdict.recommended_action is RecommendedAction.DEFER
    if verdict.issue_type is IssueType.ESCALATION:
        assert verdict.recommended_action is RecommendedAction.ESCALATE
        assert requires_human_notification(verdict)
    assert (verdict.proposed_changes is None) == (verdict.proposed_changes_reason is not None)


# --- VAL-002 versioned ----------------------------------------------------------------------------


def test_VAL002_every_verdict_carries_a_semver_validator_version(judge: Judge) -> None:
    assert SEMVER.match(VALIDATOR_VERSION)
    assert judge("please enable LOGS_LIST").validator_version == VALIDATOR_VERSION
    assert fallback_verdict("timeout", NOW).validator_version == VALIDATOR_VERSION


# --- VAL-003 confidence two decimals, clamped --------------------------------------------------------


def test_VAL003_confidence_has_two_decimals_within_bounds_over_the_corpus() -> None:
    for entry in CORPUS["events"]:
        verdict = validate(CrmEvent.model_validate(entry["event"]), REGISTRY, NOW)
        assert 0.0 <= verdict.confidence_score <= 1.0
        assert round(verdict.confidence_score, 2) == verdict.confidence_score
        assert f"confidence:total={verdict.confidence_score:.2f}" in verdict.evidence


# --- VAL-004 unknown always defers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "source"),
    [
        ("pricing", "How much does the enterprise plan cost?", "ops_alert"),
        ("broken", "it's broken again. please fix asap", "crm_feedback"),
        ("trace viewer", "they want TRACE_VIEWER enabled or disabled", "support_ticket"),
    ],
)
def test_VAL004_unknown_always_defers(judge: Judge, subject: str, body: str, source: str) -> None:
    verdict = judge(subject, body, source=source)

    assert verdict.issue_type is IssueType.UNKNOWN
    assert verdict.recommended_action is RecommendedAction.DEFER


def test_VAL004_confidence_below_0_30_makes_any_type_unknown(judge: Judge) -> None:
    verdict = judge("search", "search is not working for me", source="manual")

    assert verdict.confidence_score < 0.30
    assert verdict.issue_type is IssueType.UNKNOWN
    assert any(
        e.startswith("classification:unknown=bug_report but confidence") for e in verdict.evidence
    )


# --- VAL-005 escalation escalates and notifies a human -----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "URGENT: tenant A sees tenant B's logs in LOGS_LIST",
        "Emergency - AUDIT_TRAIL writes failing",
        "Critical alert: disk 95% on log-store-3",
        "Pentest found a security vulnerability in LOG_EXPORT download links",
    ],
)
def test_VAL005_escalation_escalates_and_requires_human_notification(
    judge: Judge, body: str
) -> None:
    verdict = judge("escalation", body, source="manual")

    assert verdict.issue_type is IssueType.ESCALATION
    assert verdict.recommended_action is RecommendedAction.ESCALATE
    assert NOTIFY_HUMAN in verdict.evidence
    assert requires_human_notification(verdict)


def test_VAL005_escalation_wins_even_with_low_confidence(judge: Judge) -> None:
    verdict = judge("x", "urgent", source="manual")

    assert verdict.confidence_score < 0.5
    assert verdict.recommended_action is RecommendedAction.ESCALATE


def test_VAL005_no_notification_when_nothing_escalates(judge: Judge) -> None:
    verdict = judge("enable", "please enable LOG_EXPORT for us")

    assert not requires_human_notification(verdict)
    assert NOTIFY_HUMAN not in verdict.evidence
