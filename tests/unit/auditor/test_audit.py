"""The audit verdict: decision, counts, evidence, determinism (SPEC §8)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govmesh.auditor.domain.audit import (
    AUDITOR_VERSION,
    CHECK_NAMES,
    CHECKS,
    TIMED_OUT_REASON,
    counts,
    decide,
    derive_audit_id,
    run_checks,
    timed_out,
)
from govmesh.auditor.domain.audit import audit as run_audit
from govmesh.schemas import (
    AuditCheckResult,
    AuditVerdict,
    CheckOutcome,
    HealthStatus,
    SignalType,
    canonical_bytes,
)

from .factories import (
    INCIDENTS,
    JOB_ID,
    LOGS,
    T0,
    finished_event,
    make_evidence,
    registry_after,
    signal,
)

pytestmark = pytest.mark.unit

AUDIT_ID = UUID("eeeeeeee-0000-4000-8000-000000000001")
NOW = T0 + timedelta(minutes=3)


def _result(check: str, outcome: CheckOutcome) -> AuditCheckResult:
    return AuditCheckResult(check=check, name="n", outcome=outcome, reason="r")


def test_clean_run_passes_every_check() -> None:
    verdict = run_audit(make_evidence(), AUDIT_ID, NOW, 12)
    assert verdict.verdict is CheckOutcome.PASS
    assert verdict.reason == "All checks passed"
    assert [c.check for c in verdict.checks] == [f"A-00{n}" for n in range(1, 8)]
    assert verdict.counts == {"PASS": 7, "FAIL": 0, "INCONCLUSIVE": 0}


def test_verdict_records_inputs_passed_in() -> None:
    verdict = run_audit(make_evidence(), AUDIT_ID, NOW, 12, attempt=2)
    assert (verdict.audit_id, verdict.job_id, verdict.audited_at) == (AUDIT_ID, JOB_ID, NOW)
    assert (verdict.duration_ms, verdict.attempt, verdict.auditor_version) == (
        12,
        2,
        AUDITOR_VERSION,
    )
    assert verdict.health_before == {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.HEALTHY}


def test_any_fail_makes_the_verdict_fail_naming_every_failed_check() -> None:
    after = registry_after()
    after[INCIDENTS]["enabled"] = False
    evidence = make_evidence(
        registry_after=after, signals=(signal(LOGS, SignalType.FROZEN),), health_available=False
    )
    verdict = run_audit(evidence, AUDIT_ID, NOW, 5)
    assert verdict.verdict is CheckOutcome.FAIL
    assert verdict.reason == "Failed checks: A-006, A-007"
    assert verdict.counts == {"PASS": 4, "FAIL": 2, "INCONCLUSIVE": 1}


def test_A007_unexpected_change_fails_the_audit() -> None:
    after = registry_after()
    after["SYSTEM"]["config"]["burst"] = 50
    verdict = run_audit(make_evidence(registry_after=after), AUDIT_ID, NOW, 5)
    assert verdict.verdict is CheckOutcome.FAIL
    assert verdict.reason == "Failed checks: A-007"
    assert "SYSTEM.config.burst" in verdict.evidence["anomalies"][0]


def test_inconclusive_without_fail_is_inconclusive() -> None:
    verdict = run_audit(make_evidence(health_after=None), AUDIT_ID, NOW, 5)
    assert verdict.verdict is CheckOutcome.INCONCLUSIVE
    assert verdict.reason == "Inconclusive checks: A-002"


@settings(database=None)
@given(st.lists(st.sampled_from(list(CheckOutcome)), min_size=7, max_size=7))
def test_decide_fail_beats_inconclusive_beats_pass(outcomes: list[CheckOutcome]) -> None:
    results = [_result(f"A-00{n}", o) for n, o in enumerate(outcomes, start=1)]
    verdict, reason = decide(results)
    if CheckOutcome.FAIL in outcomes:
        assert verdict is CheckOutcome.FAIL
        failed = [r.check for r in results if r.outcome is CheckOutcome.FAIL]
        assert reason == "Failed checks: " + ", ".join(failed)
    elif CheckOutcome.INCONCLUSIVE in outcomes:
        assert verdict is CheckOutcome.INCONCLUSIVE
    else:
        assert (verdict, reason) == (CheckOutcome.PASS, "All checks passed")
    assert sum(counts(results).values()) == 7


def test_replay_of_the_same_evidence_gives_the_same_verdict() -> None:
    evidence = make_evidence(
        health_after={"SYSTEM": HealthStatus.DEGRADED, LOGS: HealthStatus.HEALTHY}
    )
    first = run_audit(evidence, AUDIT_ID, NOW, 5)
    replay = run_audit(evidence, AUDIT_ID, NOW + timedelta(days=30), 9000)
    assert first.verdict is replay.verdict is CheckOutcome.FAIL
    assert first.checks == replay.checks
    assert first.evidence == replay.evidence
    assert first.model_dump(exclude={"audited_at", "duration_ms"}) == replay.model_dump(
        exclude={"audited_at", "duration_ms"}
    )


def test_run_checks_is_pure() -> None:
    evidence = make_evidence()
    assert run_checks(evidence) == run_checks(evidence)
    assert len(CHECKS) == 7


def test_evidence_record_is_canonical_json_with_every_part() -> None:
    verdict = run_audit(make_evidence(health_available=False), AUDIT_ID, NOW, 5)
    assert canonical_bytes(verdict.model_dump(mode="json"))
    record = verdict.evidence
    assert {
        "step_log",
        "registry_before",
        "registry_after",
        "proposed_changes",
        "signal_history",
        "health_timeline",
        "timing",
        "anomalies",
    } <= record.keys()
    assert len(record["step_log"]) == 3
    assert record["health_timeline"]["available"] is False
    assert record["anomalies"][0].startswith("A-002: ")


def test_verdict_round_trips_through_its_schema() -> None:
    verdict = run_audit(make_evidence(), AUDIT_ID, NOW, 5)
    assert AuditVerdict.model_validate(verdict.model_dump(mode="json")) == verdict


def test_audit_id_is_deterministic_per_job_and_attempt() -> None:
    assert derive_audit_id(JOB_ID, 1) == derive_audit_id(JOB_ID, 1)
    assert derive_audit_id(JOB_ID, 1) != derive_audit_id(JOB_ID, 2)
    assert derive_audit_id(JOB_ID, 1).version == 5


def test_A002_evidence_records_health_and_registry_seen_at_audit_time() -> None:
    reading = {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.UNKNOWN}
    evidence = make_evidence(
        health_at_audit=reading, health_available=False, registry_at_audit={LOGS: {"revision": 3}}
    )
    verdict = run_audit(evidence, AUDIT_ID, NOW, 5)
    assert verdict.evidence["health_timeline"]["at_audit"] == {
        "SYSTEM": "HEALTHY",
        LOGS: "UNKNOWN",
    }
    assert verdict.evidence["registry_at_audit"] == {LOGS: {"revision": 3}}
    assert verdict.verdict is CheckOutcome.INCONCLUSIVE


def test_timed_out_audit_is_inconclusive_never_pass_with_every_check_unjudged() -> None:
    event = finished_event()
    verdict = timed_out(event, derive_audit_id(JOB_ID, 1), event.at, 240_000, 1, "contract")
    assert (verdict.verdict, verdict.reason) == (CheckOutcome.INCONCLUSIVE, "audit timed out")
    assert [(c.check, c.outcome) for c in verdict.checks] == [
        (check, CheckOutcome.INCONCLUSIVE) for check, _ in CHECK_NAMES
    ]
    assert [c.check for c in verdict.checks] == [f"A-00{n}" for n in range(1, 8)]
    assert verdict.counts == {"PASS": 0, "FAIL": 0, "INCONCLUSIVE": 7}
    assert verdict.evidence["anomalies"][0] == "audit timed out: contract"
    assert len(verdict.evidence["step_log"]) == 3
    assert verdict.health_before == event.health_before
    assert AuditVerdict.model_validate(verdict.model_dump(mode="json")) == verdict


def test_timed_out_audit_keeps_the_results_of_the_last_finished_attempt() -> None:
    judged = run_checks(make_evidence(health_available=False))
    event = finished_event()
    verdict = timed_out(event, derive_audit_id(JOB_ID, 2), event.at, 9, 2, "retry", judged)
    assert verdict.verdict is CheckOutcome.INCONCLUSIVE
    assert verdict.reason == TIMED_OUT_REASON
    assert verdict.checks == judged
    assert verdict.counts == {"PASS": 6, "FAIL": 0, "INCONCLUSIVE": 1}
    assert verdict.attempt == 2
    assert verdict.evidence["anomalies"][1].startswith("A-002: ")


def test_check_names_follow_the_check_order() -> None:
    results = run_checks(make_evidence())
    assert [(r.check, r.name) for r in results] == list(CHECK_NAMES)
