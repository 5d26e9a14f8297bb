"""Capability extraction (SPEC §3): exact, then fuzzy ≥ 0.85, then context; de-duplicated."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from govmesh.validator.domain import FUZZY_THRESHOLD, RegistrySnapshot
from govmesh.validator.domain.capabilities import MatchStage, affected, find_mentions
from govmesh.validator.domain.text import EventText
from tests.unit.validator.conftest import Judge
from tests.unit.validator.helpers import evidence_with

pytestmark = pytest.mark.unit


def _mentions(registry: RegistrySnapshot, text: str) -> list[tuple[str, MatchStage]]:
    found = find_mentions(EventText.of("subject", text), registry)
    return [(m.name, m.stage) for m in found]


def test_exact_match_is_case_insensitive(demo_registry: RegistrySnapshot) -> None:
    assert _mentions(demo_registry, "please look at logs_list and Log_Search") == [
        ("LOGS_LIST", MatchStage.EXACT),
        ("LOG_SEARCH", MatchStage.EXACT),
    ]


def test_exact_match_needs_a_whole_token(demo_registry: RegistrySnapshot) -> None:
    stages = {stage for _, stage in _mentions(demo_registry, "LOGS_LISTING and XLOG_SEARCH")}
    assert MatchStage.EXACT not in stages


def test_fuzzy_match_at_or_above_threshold(demo_registry: RegistrySnapshot) -> None:
    assert fuzz.ratio("log serch", "log search") / 100 >= FUZZY_THRESHOLD
    found = find_mentions(EventText.of("s", "the log serch page"), demo_registry)

    assert [(m.name, m.stage) for m in found] == [("LOG_SEARCH", MatchStage.FUZZY)]
    assert found[0].similarity >= 0.85


def test_fuzzy_near_miss_below_threshold_is_not_a_match(demo_registry: RegistrySnapshot) -> None:
    similarity = fuzz.ratio("lg srch", "log search") / 100
    assert 0.80 < similarity < FUZZY_THRESHOLD

    assert _mentions(demo_registry, "the lg srch page") == []


def test_fuzzy_match_reads_spaced_and_plural_names(demo_registry: RegistrySnapshot) -> None:
    assert _mentions(demo_registry, "Incident Details view and the metrics export") == [
        ("INCIDENT_DETAIL", MatchStage.FUZZY),
        ("METRICS_EXPORT", MatchStage.FUZZY),
    ]


def test_context_infers_name_from_its_words_in_any_order(demo_registry: RegistrySnapshot) -> None:
    assert _mentions(demo_registry, "we want to export our metrics nightly") == [
        ("METRICS_EXPORT", MatchStage.CONTEXT)
    ]


def test_context_infers_unknown_upper_snake_capability(demo_registry: RegistrySnapshot) -> None:
    found = find_mentions(EventText.of("s", "please enable DARK_MODE_BETA"), demo_registry)

    assert [(m.name, m.stage, m.in_registry) for m in found] == [
        ("DARK_MODE_BETA", MatchStage.CONTEXT, False)
    ]


def test_context_ignores_error_codes_and_config_keys(demo_registry: RegistrySnapshot) -> None:
    text = "fails with ERR_EXPORT_TIMEOUT and HTTP_503; MAX_PANELS is 24"
    found = find_mentions(EventText.of("s", text), demo_registry, demo_registry.config_keys())
    assert found == ()


def test_empty_registry_still_infers_upper_snake_names() -> None:
    assert _mentions(RegistrySnapshot.empty(), "enable LOGS_LIST please") == [
        ("LOGS_LIST", MatchStage.CONTEXT)
    ]


def test_stages_run_in_order_and_names_are_deduplicated(demo_registry: RegistrySnapshot) -> None:
    text = "LOG_SEARCH is slow; log search again; TRACE_VIEWR and LOG_SEARCH once more"
    found = find_mentions(EventText.of("s", text), demo_registry)

    assert [m.stage for m in found] == sorted((m.stage for m in found), key=list(MatchStage).index)
    assert affected(found) == ["LOG_SEARCH", "TRACE_VIEWER"]


def test_verdict_lists_capabilities_once_with_their_evidence(judge: Judge) -> None:
    verdict = judge("LOGS_LIST broken", "logs list page shows nothing, LOGS_LIST again")

    assert verdict.affected_capabilities == ["LOGS_LIST"]
    assert evidence_with(verdict, "capability:exact:LOGS_LIST")
