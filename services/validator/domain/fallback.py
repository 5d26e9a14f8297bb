"""The fallback verdict (SPEC §3): what the Validator says when it cannot judge.

unknown, medium, defer, confidence 0.00, reason `Validator error: <kind>` — so an
internal failure can never look like advice to act.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from govmesh.schemas import IssueType, RecommendedAction, Severity, ValidatorVerdict
from govmesh.validator.domain.version import VALIDATOR_VERSION


class ValidatorErrorKind(StrEnum):
    PARSE_ERROR = "parse_error"
    REGISTRY_UNAVAILABLE = "registry_unavailable"
    TIMEOUT = "timeout"
    UNKNOWN = "unknown"


def fallback_verdict(kind: ValidatorErrorKind | str, now: datetime) -> ValidatorVerdict:
    """The fallback verdict for an error of `kind` (an unrecognised kind counts as unknown).

    A naive `now` is read as UTC rather than refused: the fallback must always be
    producible.
    """
    try:
        error = ValidatorErrorKind(kind)
    except ValueError:
        error = ValidatorErrorKind.UNKNOWN
    if now.tzinfo is None or now.utcoffset() is None:
        now = now.replace(tzinfo=UTC)
    reason = f"Validator error: {error}"
    return ValidatorVerdict(
        issue_type=IssueType.UNKNOWN,
        severity=Severity.MEDIUM,
        affected_capabilities=[],
        recommended_action=RecommendedAction.DEFER,
        confidence_score=0.0,
        reason=reason,
        evidence=[f"fallback:{error}"],
        analyzed_at=now,
        validator_version=VALIDATOR_VERSION,
        proposed_changes=None,
        proposed_changes_reason=reason,
    )
