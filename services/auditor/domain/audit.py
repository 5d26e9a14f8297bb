"""The audit itself (SPEC §8): run A-001…A-007 over the evidence and decide the verdict.

Deterministic: the decision depends only on the evidence. The audit id, the time and the
duration are passed in, so a replay of the same evidence gives the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from govmesh.auditor.domain.checks import (
    fidelity,
    health,
    mutations,
    rollback,
    scope,
    signals,
    timing,
)
from govmesh.auditor.domain.checks.fidelity import check_fidelity
from govmesh.auditor.domain.checks.health import check_health
from govmesh.auditor.domain.checks.mutations import check_mutations
from govmesh.auditor.domain.checks.rollback import check_rollback
from govmesh.auditor.domain.checks.scope import check_scope
from govmesh.auditor.domain.checks.signals import check_signals
from govmesh.auditor.domain.checks.timing import check_timing
from govmesh.auditor.domain.evidence import Evidence
from govmesh.schemas import AuditCheckResult, AuditVerdict, CheckOutcome, JobEvent

AUDITOR_VERSION = "1.0.0"

# Frozen: audit ids derived from it must stay the same across releases so a re-run is
# recognised downstream as the same audit.
AUDIT_ID_NAMESPACE = UUID("0b3c9e0e-5a47-4f5e-8d1b-2f6a7c4e9d13")

Check = Callable[[Evidence], AuditCheckResult]

CHECKS: tuple[Check, ...] = (
    check_scope,
    check_health,
    check_fidelity,
    check_timing,
    check_rollback,
    check_signals,
    check_mutations,
)


# (ID, name) of every check in CHECKS order, for verdicts that could not run them.
CHECK_NAMES: tuple[tuple[str, str], ...] = tuple(
    (module.CHECK, module.NAME)
    for module in (scope, health, fidelity, timing, rollback, signals, mutations)
)

TIMED_OUT_REASON = "audit timed out"


def run_checks(evidence: Evidence) -> list[AuditCheckResult]:
    """Every check's result, in check order A-001…A-007."""
    return [check(evidence) for check in CHECKS]


def decide(results: Sequence[AuditCheckResult]) -> tuple[CheckOutcome, str]:
    """Any FAIL → FAIL; else any INCONCLUSIVE → INCONCLUSIVE; else PASS, with the reason."""
    failed = [r.check for r in results if r.outcome is CheckOutcome.FAIL]
    if failed:
        return CheckOutcome.FAIL, f"Failed checks: {', '.join(failed)}"
    unsure = [r.check for r in results if r.outcome is CheckOutcome.INCONCLUSIVE]
    if unsure:
        return CheckOutcome.INCONCLUSIVE, f"Inconclusive checks: {', '.join(unsure)}"
    return CheckOutcome.PASS, "All checks passed"


def counts(results: Sequence[AuditCheckResult]) -> dict[str, int]:
    """How many checks ended in each outcome; every outcome is present, zero or not."""
    return {outcome.value: sum(r.outcome is outcome for r in results) for outcome in CheckOutcome}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def evidence_record(evidence: Evidence, results: Sequence[AuditCheckResult]) -> dict[str, Any]:
    """The JSON evidence kept with the verdict (GATE-9).

    Step log, registry before/after, signal history, health timeline, timing and anomalies.
    """
    return {
        "step_log": [step.model_dump(mode="json") for step in evidence.steps],
        "registry_before": evidence.registry_before,
        "registry_after": evidence.registry_after,
        "proposed_changes": [
            change.model_dump(mode="json") for change in evidence.proposed_changes
        ],
        "affected_capabilities": list(evidence.affected_capabilities),
        "signal_history": [signal.model_dump(mode="json") for signal in evidence.signals],
        "health_timeline": {
            "before": {k: v.value for k, v in (evidence.health_before or {}).items()},
            "after": {k: v.value for k, v in (evidence.health_after or {}).items()},
            "at_audit": (
                {k: v.value for k, v in sorted(evidence.health_at_audit.items())}
                if evidence.health_at_audit is not None
                else None
            ),
            "available": evidence.health_available,
        },
        "registry_at_audit": (
            dict(sorted(evidence.registry_at_audit.items()))
            if evidence.registry_at_audit is not None
            else None
        ),
        "timing": {
            "started_at": _iso(evidence.started_at),
            "finished_at": _iso(evidence.finished_at),
            "window_start": _iso(evidence.window_start),
            "window_end": _iso(evidence.window_end),
        },
        "anomalies": [
            f"{r.check}: {r.reason}" for r in results if r.outcome is not CheckOutcome.PASS
        ],
    }


def audit(
    evidence: Evidence, audit_id: UUID, now: datetime, duration_ms: int, attempt: int = 1
) -> AuditVerdict:
    """Judge one completed job: every check, the verdict, counts and evidence.

    `now` is only recorded as `audited_at`; `duration_ms` and `attempt` are recorded too.
    None of them takes part in the decision.
    """
    results = run_checks(evidence)
    verdict, reason = decide(results)
    return AuditVerdict(
        audit_id=audit_id,
        job_id=evidence.job_id,
        contract_id=evidence.contract_id,
        verdict=verdict,
        reason=reason,
        checks=results,
        counts=counts(results),
        evidence=evidence_record(evidence, results),
        health_before=dict(evidence.health_before) if evidence.health_before is not None else None,
        health_after=dict(evidence.health_after) if evidence.health_after is not None else None,
        auditor_version=AUDITOR_VERSION,
        duration_ms=duration_ms,
        attempt=attempt,
        audited_at=now,
    )


def derive_audit_id(job_id: UUID, attempt: int) -> UUID:
    """Deterministic audit id: UUIDv5 of job id, attempt and auditor version; re-runs repeat it."""
    return uuid5(AUDIT_ID_NAMESPACE, f"{job_id}:{attempt}:{AUDITOR_VERSION}")


def timed_out(
    event: JobEvent,
    audit_id: UUID,
    now: datetime,
    duration_ms: int,
    attempt: int,
    detail: str,
    judged: Sequence[AuditCheckResult] | None = None,
) -> AuditVerdict:
    """The verdict of an audit that ran out of its time budget: INCONCLUSIVE, never PASS.

    SPEC §8: no timeout-based approval. `judged` are the results of the last attempt that
    finished (kept so the human who resolves it sees them); without one every check is
    reported INCONCLUSIVE as not judged. `detail` says what the audit was waiting for.
    """
    if judged is None:
        judged = [
            AuditCheckResult(
                check=check,
                name=name,
                outcome=CheckOutcome.INCONCLUSIVE,
                reason=f"Not judged: {TIMED_OUT_REASON} ({detail})",
            )
            for check, name in CHECK_NAMES
        ]
    results = list(judged)
    anomalies = [f"{TIMED_OUT_REASON}: {detail}"] + [
        f"{r.check}: {r.reason}" for r in results if r.outcome is not CheckOutcome.PASS
    ]
    return AuditVerdict(
        audit_id=audit_id,
        job_id=event.job_id,
        contract_id=event.contract_id,
        verdict=CheckOutcome.INCONCLUSIVE,
        reason=TIMED_OUT_REASON,
        checks=results,
        counts=counts(results),
        evidence={
            "step_log": [step.model_dump(mode="json") for step in event.steps],
            "registry_before": event.registry_before,
            "registry_after": event.registry_after,
            "timing": {
                "started_at": _iso(event.started_at),
                "finished_at": _iso(event.finished_at),
            },
            "anomalies": anomalies,
        },
        health_before=dict(event.health_before) if event.health_before is not None else None,
        health_after=dict(event.health_after) if event.health_after is not None else None,
        auditor_version=AUDITOR_VERSION,
        duration_ms=duration_ms,
        attempt=attempt,
        audited_at=now,
    )
