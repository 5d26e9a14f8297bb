"""A-003 Execution fidelity: do the job's results match the contract's `proposed_changes`?

Three things must hold: every change has its COMPLETED step(s) with matching target and
values; no step changes anything the changes do not ask for (signal_record steps change
nothing and are allowed); and the registry after the job shows every expected value.
"""

from __future__ import annotations

from govmesh.auditor.domain.evidence import Evidence
from govmesh.auditor.domain.expected import expected_effects, expected_steps
from govmesh.auditor.domain.registry_diff import ABSENT, flatten, render
from govmesh.schemas import AuditCheckResult, CheckOutcome, StepStatus, StepType
from govmesh.schemas.canonical import json_equal

CHECK = "A-003"
NAME = "Execution fidelity"


def _step_problems(evidence: Evidence) -> list[str]:
    problems = [
        f"step {s.number} is {s.status.value}"
        for s in evidence.steps
        if s.status is not StepStatus.COMPLETED
    ]
    unmatched = [
        s
        for s in evidence.steps
        if s.status is StepStatus.COMPLETED and s.type is not StepType.SIGNAL_RECORD
    ]
    for change in evidence.proposed_changes:
        for expected in expected_steps(change):
            found = next((s for s in unmatched if expected.matches(s)), None)
            if found is None:
                problems.append(f"no completed step for {expected.describe()}")
            else:
                unmatched.remove(found)
    problems.extend(
        f"step {s.number} ({s.type.value} {s.target}) is not in proposed_changes" for s in unmatched
    )
    return problems


def _registry_problems(evidence: Evidence) -> list[str]:
    if evidence.registry_after is None:
        return ["registry state after the job was not recorded"]
    after = flatten(evidence.registry_after)
    problems = []
    for path, value in sorted(expected_effects(evidence.proposed_changes).items()):
        actual = after.get(path, ABSENT)
        if actual is ABSENT or not json_equal(actual, value):
            problems.append(f"{render(path)} is {actual!r}, expected {value!r}")
    return problems


def check_fidelity(evidence: Evidence) -> AuditCheckResult:
    """PASS when steps and registry match the proposed changes exactly; FAIL naming each gap."""
    problems = _step_problems(evidence) + _registry_problems(evidence)
    if problems:
        reason = f"Results diverge from proposed_changes: {'; '.join(problems)}"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    return AuditCheckResult(
        check=CHECK,
        name=NAME,
        outcome=CheckOutcome.PASS,
        reason=f"All {len(evidence.proposed_changes)} proposed changes executed and visible",
    )
