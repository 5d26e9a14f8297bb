"""Classification indicators per issue type (SPEC §3 indicator table) and their weights.

Primary indicators make a type a candidate; supporting ones (a capability name, a
config key, a value) only add weight to a type that already is one — naming
INCIDENT_DETAIL in "the incident detail page is broken" does not make the report a
capability request. Escalation indicators are handled apart: any one of them decides
(VAL-005).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govmesh.schemas import IssueType
from govmesh.validator.domain.assignments import Assignment, KeyMention
from govmesh.validator.domain.capabilities import CapabilityMention
from govmesh.validator.domain.changes import ChangeProposal
from govmesh.validator.domain.requests import RequestReading
from govmesh.validator.domain.signals import TextSignals
from govmesh.validator.domain.values import ProseValue

_BUG_KEYWORDS_COUNTED = 3


@dataclass(frozen=True)
class Indicator:
    """One indicator that fired, with the words that made it fire."""

    issue_type: IssueType
    name: str
    detail: str
    weight: int
    primary: bool

    def evidence(self) -> str:
        """The indicator as an evidence entry: `indicator:<type>:<name>=<detail>`."""
        return f"indicator:{self.issue_type}:{self.name}={self.detail}"


def collect(
    *,
    signals: TextSignals,
    requests: RequestReading,
    mentions: Sequence[CapabilityMention],
    keys: Sequence[KeyMention],
    assignments: Sequence[Assignment],
    keyless: Sequence[ProseValue],
    change_intent: bool,
    proposal: ChangeProposal,
) -> tuple[Indicator, ...]:
    """Every indicator that fired, grouped by type in SPEC order."""
    kinds = [c.type for c in proposal.changes or ()]
    return (
        *_escalation(signals),
        *_capability_request(requests, mentions, kinds),
        *_bug_report(signals),
        *_configuration_change(signals, keys, assignments, keyless, change_intent, kinds),
    )


def _escalation(signals: TextSignals) -> list[Indicator]:
    return [
        Indicator(IssueType.ESCALATION, "keyword", word, 1, True) for word in signals.escalation
    ]


def _capability_request(
    requests: RequestReading, mentions: Sequence[CapabilityMention], kinds: Sequence[str]
) -> list[Indicator]:
    found: list[Indicator] = []
    cap = IssueType.CAPABILITY_REQUEST
    verbs = sorted({c.action.value for c in requests.cues if not c.is_access_ask})
    if verbs:
        found.append(Indicator(cap, "action_verb", ",".join(verbs), 2, True))
    if requests.has_access_ask:
        found.append(Indicator(cap, "access_request", "access", 1, True))
    names = sorted({m.name for m in mentions})
    if names:
        found.append(Indicator(cap, "capability_name", ",".join(names), 1, False))
    capability_kinds = sorted({k for k in kinds if k.startswith("capability_")})
    if capability_kinds:
        found.append(Indicator(cap, "proposed_change", ",".join(capability_kinds), 2, True))
    return found


def _bug_report(signals: TextSignals) -> list[Indicator]:
    bug = IssueType.BUG_REPORT
    words = [*signals.bug_generic, *signals.bug_symptoms][:_BUG_KEYWORDS_COUNTED]
    found = [Indicator(bug, "keyword", word, 1, True) for word in words]
    if signals.error_message:
        found.append(Indicator(bug, "error_message", signals.error_message[:60], 1, True))
    if signals.reproduction:
        found.append(Indicator(bug, "reproduction_steps", "present", 1, True))
    return found


def _configuration_change(
    signals: TextSignals,
    keys: Sequence[KeyMention],
    assignments: Sequence[Assignment],
    keyless: Sequence[ProseValue],
    change_intent: bool,
    kinds: Sequence[str],
) -> list[Indicator]:
    cfg = IssueType.CONFIGURATION_CHANGE
    found = [Indicator(cfg, "keyword", word, 1, True) for word in signals.config_keywords[:2]]
    if change_intent or assignments:
        found.append(Indicator(cfg, "change_intent", "new value asked", 2, True))
    known = sorted({k.key for k in keys if k.known})
    if known:
        found.append(Indicator(cfg, "config_key", ",".join(known), 1, False))
    values = [a.value.raw for a in assignments] or [v.raw for v in keyless]
    if values:
        found.append(Indicator(cfg, "desired_value", ",".join(values[:5]), 1, False))
    config_kinds = sorted({k for k in kinds if not k.startswith("capability_")})
    if config_kinds:
        found.append(Indicator(cfg, "proposed_change", ",".join(config_kinds), 2, True))
    return found
