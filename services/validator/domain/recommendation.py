"""The recommended action, in exactly the order SPEC §3 gives.

1. escalation → escalate (VAL-005)
2. unknown → defer (VAL-004)
3. bug_report with severity critical → escalate
4. confidence < 0.50 → defer
5. severity low and confidence < 0.70 → reject
6. otherwise → create_contract
"""

from __future__ import annotations

from dataclasses import dataclass

from govmesh.schemas import IssueType, RecommendedAction, Severity

#: Confidence (hundredths) below which an issue is deferred.
DEFER_BELOW = 50
#: Confidence (hundredths) below which a low-severity issue is rejected.
REJECT_LOW_BELOW = 70


@dataclass(frozen=True)
class Recommendation:
    action: RecommendedAction
    rule: str

    def evidence(self) -> str:
        """`action:<action>=<rule>`."""
        return f"action:{self.action}={self.rule}"


def recommend(issue_type: IssueType, severity: Severity, confidence: int) -> Recommendation:
    """The action for a verdict of `issue_type`, `severity` and `confidence` hundredths."""
    if issue_type is IssueType.ESCALATION:
        return Recommendation(RecommendedAction.ESCALATE, "escalation always escalates (VAL-005)")
    if issue_type is IssueType.UNKNOWN:
        return Recommendation(RecommendedAction.DEFER, "unknown always defers (VAL-004)")
    if issue_type is IssueType.BUG_REPORT and severity is Severity.CRITICAL:
        return Recommendation(RecommendedAction.ESCALATE, "critical bug report")
    if confidence < DEFER_BELOW:
        return Recommendation(RecommendedAction.DEFER, "confidence below 0.50")
    if severity is Severity.LOW and confidence < REJECT_LOW_BELOW:
        return Recommendation(RecommendedAction.REJECT, "low severity and confidence below 0.70")
    return Recommendation(RecommendedAction.CREATE_CONTRACT, "no earlier rule applies")
