"""Choosing the issue type from the indicators (SPEC §3).

1. Any escalation indicator → escalation (VAL-005: safety wording always reaches a human).
2. Otherwise the candidate types (at least one primary indicator) are scored by the
   weights of all their indicators; the highest wins.
3. No candidate → unknown ("no indicators"); a tie for the top, or enable and disable
   both asked for the same capability → unknown ("conflicting indicators"). VAL-004.

The "confidence below 0.3 → unknown" rule needs the confidence and is applied by the
engine after scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govmesh.schemas import IssueType
from govmesh.validator.domain.indicators import Indicator

_CANDIDATES = (
    IssueType.CAPABILITY_REQUEST,
    IssueType.BUG_REPORT,
    IssueType.CONFIGURATION_CHANGE,
)


@dataclass(frozen=True)
class Classification:
    """The type chosen, why, and the score of every candidate type."""

    issue_type: IssueType
    rationale: str
    scores: tuple[tuple[IssueType, int], ...]


def classify(indicators: Sequence[Indicator], conflicts: Sequence[str]) -> Classification:
    """The issue type the indicators point to."""
    if any(i.issue_type is IssueType.ESCALATION for i in indicators):
        words = ", ".join(i.detail for i in indicators if i.issue_type is IssueType.ESCALATION)
        return Classification(IssueType.ESCALATION, f"escalation wording ({words})", ())
    scores = tuple(
        (t, sum(i.weight for i in indicators if i.issue_type is t))
        for t in _CANDIDATES
        if any(i.primary and i.issue_type is t for i in indicators)
    )
    if not scores:
        return Classification(IssueType.UNKNOWN, "no indicators", ())
    if conflicts:
        names = ", ".join(conflicts)
        return Classification(
            IssueType.UNKNOWN,
            f"conflicting indicators (enable and disable asked for {names})",
            scores,
        )
    ranked = sorted(scores, key=lambda s: -s[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return Classification(
            IssueType.UNKNOWN,
            f"conflicting indicators ({ranked[0][0]} and {ranked[1][0]} equally strong)",
            scores,
        )
    winner, score = ranked[0]
    return Classification(winner, f"{winner} indicators (weight {score})", scores)
