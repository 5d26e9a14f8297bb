"""A-004 Timing: the job started at or after the window start and finished by its end."""

from __future__ import annotations

from govmesh.auditor.domain.evidence import Evidence
from govmesh.schemas import AuditCheckResult, CheckOutcome

CHECK = "A-004"
NAME = "Timing"


def check_timing(evidence: Evidence) -> AuditCheckResult:
    """PASS inside the activation window; FAIL outside it or when a timestamp is missing."""
    start, end = evidence.window_start, evidence.window_end
    began, finished = evidence.started_at, evidence.finished_at
    if start is None or end is None or began is None or finished is None:
        reason = "Timing evidence missing: activation window, start or finish not recorded"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    window = f"[{start.isoformat()}, {end.isoformat()}]"
    problems = []
    if began < start:
        problems.append(f"started {began.isoformat()} before the window opened")
    if finished > end:
        problems.append(f"finished {finished.isoformat()} after the window closed")
    if problems:
        reason = f"Outside activation window {window}: {'; '.join(problems)}"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    return AuditCheckResult(
        check=CHECK,
        name=NAME,
        outcome=CheckOutcome.PASS,
        reason=f"Ran inside activation window {window}",
    )
