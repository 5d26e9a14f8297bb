"""A-001 Scope compliance: did every step stay in the contract's scope?"""

from __future__ import annotations

from govmesh.auditor.domain.evidence import Evidence
from govmesh.schemas import AuditCheckResult, CheckOutcome

CHECK = "A-001"
NAME = "Scope compliance"


def check_scope(evidence: Evidence) -> AuditCheckResult:
    """PASS when every step targets an affected capability or SYSTEM; FAIL naming the others."""
    outside = [
        f"step {s.number} → {s.target}" for s in evidence.steps if s.target not in evidence.scope
    ]
    if outside:
        reason = f"Steps outside the contract scope {sorted(evidence.scope)}: {', '.join(outside)}"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    return AuditCheckResult(
        check=CHECK,
        name=NAME,
        outcome=CheckOutcome.PASS,
        reason=f"All {len(evidence.steps)} steps within {sorted(evidence.scope)}",
    )
