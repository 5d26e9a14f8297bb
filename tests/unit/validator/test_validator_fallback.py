"""The fallback verdict (SPEC §3) and `validate` never raising."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from govmesh.schemas import IssueType, RecommendedAction, Severity
from govmesh.validator.domain import (
    VALIDATOR_VERSION,
    RegistrySnapshot,
    ValidatorErrorKind,
    engine,
    fallback_verdict,
    validate,
)
from tests.unit.validator.helpers import NOW, build_event

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("kind", ["parse_error", "registry_unavailable", "timeout", "unknown"])
def test_fallback_verdict_for_each_error_kind(kind: str) -> None:
    verdict = fallback_verdict(kind, NOW)

    assert verdict.issue_type is IssueType.UNKNOWN
    assert verdict.severity is Severity.MEDIUM
    assert verdict.recommended_action is RecommendedAction.DEFER
    assert verdict.confidence_score == 0.0
    assert verdict.reason == f"Validator error: {kind}"
    assert verdict.affected_capabilities == []
    assert verdict.proposed_changes is None
    assert verdict.proposed_changes_reason == f"Validator error: {kind}"
    assert verdict.analyzed_at == NOW
    assert verdict.validator_version == VALIDATOR_VERSION


def test_fallback_verdict_accepts_the_enum() -> None:
    verdict = fallback_verdict(ValidatorErrorKind.TIMEOUT, NOW)
    assert verdict.reason == "Validator error: timeout"


def test_unrecognised_error_kind_is_reported_as_unknown() -> None:
    assert fallback_verdict("disk on fire", NOW).reason == "Validator error: unknown"


def test_fallback_reads_a_naive_time_as_utc() -> None:
    verdict = fallback_verdict("timeout", datetime(2025, 6, 3, 12, 0))
    assert verdict.analyzed_at == datetime(2025, 6, 3, 12, 0, tzinfo=UTC)


def test_validate_turns_an_internal_error_into_the_fallback(
    monkeypatch: pytest.MonkeyPatch, demo_registry: RegistrySnapshot
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "read_signals", broken)

    verdict = validate(build_event("please enable LOGS_LIST"), demo_registry, NOW)

    assert verdict == fallback_verdict("unknown", NOW)


def test_validate_without_an_event_is_a_parse_error(demo_registry: RegistrySnapshot) -> None:
    verdict = validate({"subject": "not an event"}, demo_registry, NOW)  # type: ignore[arg-type]
    assert verdict.reason == "Validator error: parse_error"


def test_validate_without_a_registry_is_registry_unavailable() -> None:
    verdict = validate(build_event("please enable LOGS_LIST"), None, NOW)  # type: ignore[arg-type]
    assert verdict.reason == "Validator error: registry_unavailable"


def test_validate_with_a_naive_time_does_not_raise(demo_registry: RegistrySnapshot) -> None:
    verdict = validate(build_event("please enable LOGS_LIST"), demo_registry, datetime(2025, 6, 3))
    assert verdict.reason == "Validator error: unknown"
    assert verdict.analyzed_at.tzinfo is not None
