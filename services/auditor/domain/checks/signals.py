"""A-006 Signal consistency: no conflicting governance signals for the scope afterwards.

Conflicts: BLOCKED and PRE_APPROVAL both active on one scope (the scope is at once
forbidden and pre-approved), or FROZEN active on a scope the job changed. A signal is
active when flagged so and not expired at the job's finish.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from govmesh.auditor.domain.evidence import Evidence
from govmesh.schemas import (
    AuditCheckResult,
    CheckOutcome,
    GovernanceSignal,
    SignalType,
    StepStatus,
    StepType,
)

CHECK = "A-006"
NAME = "Signal consistency"


def _active(signal: GovernanceSignal, at: datetime | None) -> bool:
    if not signal.active:
        return False
    return signal.expires_at is None or at is None or signal.expires_at > at


def check_signals(evidence: Evidence) -> AuditCheckResult:
    """PASS without conflicts; FAIL naming each conflicting scope."""
    active: dict[str, set[SignalType]] = defaultdict(set)
    for signal in evidence.signals:
        if _active(signal, evidence.finished_at):
            active[signal.scope].add(signal.signal_type)
    changed = {
        s.target
        for s in evidence.steps
        if s.status is StepStatus.COMPLETED and s.type is not StepType.SIGNAL_RECORD
    }
    conflicts = []
    for scope in sorted(active):
        types = active[scope]
        if {SignalType.BLOCKED, SignalType.PRE_APPROVAL} <= types:
            conflicts.append(f"{scope} is both BLOCKED and PRE_APPROVAL")
        if SignalType.FROZEN in types and scope in changed:
            conflicts.append(f"{scope} was changed by the job and is FROZEN")
    if conflicts:
        reason = f"Conflicting governance signals: {'; '.join(conflicts)}"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    count = sum(len(types) for types in active.values())
    return AuditCheckResult(
        check=CHECK,
        name=NAME,
        outcome=CheckOutcome.PASS,
        reason=f"No conflicting signals among {count} active for the scope",
    )
