"""Hints and event_type: input only (SPEC §2) — they may nudge confidence, never decide.

They never change the issue type, the capabilities, the severity signals or the
proposed changes. Their whole effect is one confidence term within ±0.05:

- category_hint naming the chosen type: +0.05; naming another known type: −0.05;
- capability_hints all among the capabilities found: +0.05; none among them: −0.05;
- event_type agreeing with the type (escalation ↔ escalation, alert ↔ bug_report or
  escalation): +0.05.
"""

from __future__ import annotations

from collections.abc import Sequence

from govmesh.schemas import CrmEvent, EventType, IssueType
from govmesh.validator.domain.confidence import Term

#: The largest amount, in hundredths, hints may move confidence either way.
HINT_LIMIT = 5

_CATEGORY_WORDS: tuple[tuple[IssueType, tuple[str, ...]], ...] = (
    (IssueType.ESCALATION, ("escalation", "incident", "security", "emergency")),
    (IssueType.BUG_REPORT, ("bug", "defect", "error", "problem", "broken")),
    (IssueType.CONFIGURATION_CHANGE, ("config", "setting", "parameter", "limit")),
    (IssueType.CAPABILITY_REQUEST, ("feature", "capability", "access", "enable", "request")),
)


def _category(hint: str) -> IssueType | None:
    folded = hint.casefold()
    for issue_type, words in _CATEGORY_WORDS:
        if folded == issue_type.value or any(word in folded for word in words):
            return issue_type
    return None


def hint_term(event: CrmEvent, issue_type: IssueType, capabilities: Sequence[str]) -> Term | None:
    """The hint adjustment for a verdict of `issue_type`, or None when hints say nothing."""
    delta = 0
    hints = event.hints
    if hints is not None and hints.category_hint:
        hinted = _category(hints.category_hint)
        if hinted is not None:
            delta += HINT_LIMIT if hinted is issue_type else -HINT_LIMIT
    if hints is not None and hints.capability_hints:
        found = {c.casefold() for c in capabilities}
        hinted_caps = [c.casefold() for c in hints.capability_hints]
        if all(c in found for c in hinted_caps):
            delta += HINT_LIMIT
        elif not any(c in found for c in hinted_caps):
            delta -= HINT_LIMIT
    event_type = event.envelope.event_type
    agrees = (event_type is EventType.ESCALATION and issue_type is IssueType.ESCALATION) or (
        event_type is EventType.ALERT and issue_type in (IssueType.BUG_REPORT, IssueType.ESCALATION)
    )
    if agrees:
        delta += HINT_LIMIT
    if delta == 0:
        return None
    return Term("hints", max(-HINT_LIMIT, min(HINT_LIMIT, delta)))
