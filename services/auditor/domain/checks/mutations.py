"""A-007 No unauthorized mutations: registry before vs after, minus the expected changes."""

from __future__ import annotations

from govmesh.auditor.domain.evidence import Evidence
from govmesh.auditor.domain.expected import expected_effects
from govmesh.auditor.domain.registry_diff import changed_paths, render
from govmesh.schemas import AuditCheckResult, CheckOutcome

CHECK = "A-007"
NAME = "No unauthorized mutations"


def check_mutations(evidence: Evidence) -> AuditCheckResult:
    """PASS when every registry difference is one the proposed changes set; FAIL naming others.

    Whether an expected path holds the right value is A-003's question; this check only
    asks whether anything else moved.
    """
    before, after = evidence.registry_before, evidence.registry_after
    if before is None or after is None:
        reason = "Registry state before or after the job was not recorded"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    allowed = expected_effects(evidence.proposed_changes)
    unexpected = [
        f"{render(path)}: {old!r} → {new!r}"
        for path, (old, new) in changed_paths(before, after).items()
        if path not in allowed
    ]
    if unexpected:
        reason = f"Unexpected registry changes: {'; '.join(unexpected)}"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    return AuditCheckResult(
        check=CHECK,
        name=NAME,
        outcome=CheckOutcome.PASS,
        reason="No registry change beyond the expected",
    )
