"""A-002 Health preservation: health after the job is the same or better than before.

Order HEALTHY > DEGRADED > UNHEALTHY. UNKNOWN, a scope missing from either snapshot, a
missing snapshot, or the auditor's own health view being unavailable all mean health is
unavailable: INCONCLUSIVE — unless a degradation is already visible, which is a FAIL.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from govmesh.auditor.domain.evidence import Evidence
from govmesh.schemas import AuditCheckResult, CheckOutcome, HealthStatus

CHECK = "A-002"
NAME = "Health preservation"

RANK: Mapping[HealthStatus, int] = MappingProxyType(
    {HealthStatus.HEALTHY: 2, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 0}
)


def _result(outcome: CheckOutcome, reason: str) -> AuditCheckResult:
    return AuditCheckResult(check=CHECK, name=NAME, outcome=outcome, reason=reason)


def check_health(evidence: Evidence) -> AuditCheckResult:
    """Compare health before and after per scope (see the module docstring)."""
    before, after = evidence.health_before, evidence.health_after
    if before is None or after is None:
        return _result(CheckOutcome.INCONCLUSIVE, "Health unavailable: no snapshot before or after")
    worse: list[str] = []
    unavailable: list[str] = []
    for scope in sorted({*before, *after}):
        old = RANK.get(before.get(scope, HealthStatus.UNKNOWN))
        new = RANK.get(after.get(scope, HealthStatus.UNKNOWN))
        if old is None or new is None:
            unavailable.append(scope)
        elif new < old:
            worse.append(f"{scope} {before[scope].value} → {after[scope].value}")
    if worse:
        return _result(CheckOutcome.FAIL, f"Health worse after the job: {', '.join(worse)}")
    if not before and not after:
        return _result(CheckOutcome.INCONCLUSIVE, "Health unavailable: empty snapshots")
    if unavailable:
        return _result(
            CheckOutcome.INCONCLUSIVE, f"Health unavailable for: {', '.join(unavailable)}"
        )
    if not evidence.health_available:
        return _result(
            CheckOutcome.INCONCLUSIVE, "Health unavailable: the auditor's health view is stale"
        )
    return _result(CheckOutcome.PASS, f"Health same or better for: {', '.join(sorted(before))}")
