"""The runner's decisions: order, scope, health gate, duration (JOB-001, JOB-002, JOB-004)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.executor.domain.health_gate import EMPTY_HEALTH_VIEW, HealthView, apply_health
from govmesh.executor.domain.job_state import job_transition
from govmesh.executor.domain.registry import RegistryModel
from govmesh.executor.domain.runner import (
    Complete,
    Fail,
    JobState,
    StartStep,
    next_action,
    step_finished,
    step_started,
)
from govmesh.executor.domain.steps import StepOutcome, apply_step
from govmesh.schemas import HealthStatus, JobKind, JobStatus, StepStatus

from .factories import (
    INCIDENTS,
    LOGS,
    T0,
    config_step,
    disable_step,
    enable_step,
    health_signal,
    health_view,
    make_job,
    make_registry,
    make_request,
    record,
    three_step_request,
)

pytestmark = pytest.mark.unit

NOW = T0 + timedelta(seconds=5)


def _run(
    job: JobState, registry: RegistryModel, health: HealthView, *, stop_after: int | None = None
) -> tuple[JobState, RegistryModel, StartStep | Fail | Complete]:
    """Drive the runner like the service does, optionally stopping after `stop_after` steps."""
    while True:
        action = next_action(job, health, NOW)
        if not isinstance(action, StartStep) or len(job.records) == stop_after:
            return job, registry, action
        planned = job.request.steps[action.number - 1]
        started = step_started(planned, NOW)
        registry, outcome = apply_step(registry, planned)
        job = JobState(
            job.request, job.started_at, (*job.records, step_finished(started, outcome, NOW))
        )


def test_JOB004_first_step_starts_first() -> None:
    assert next_action(make_job(three_step_request()), health_view(), NOW) == StartStep(1)


def test_JOB004_next_step_only_after_previous_completed() -> None:
    request = three_step_request()
    done = (record(request.steps[0]),)
    assert next_action(make_job(request, done), health_view(), NOW) == StartStep(2)


def test_JOB004_running_step_is_resumed_not_followed() -> None:
    request = three_step_request()
    records = (record(request.steps[0]), record(request.steps[1], StepStatus.RUNNING))
    assert next_action(make_job(request, records), health_view(), NOW) == StartStep(2, resume=True)


def test_JOB004_first_failure_stops_the_job() -> None:
    request = three_step_request()
    records = (record(request.steps[0]), record(request.steps[1], StepStatus.FAILED, error="boom"))
    action = next_action(make_job(request, records), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-004"
    assert "step 2 failed: boom" in action.reason


def test_JOB004_records_out_of_plan_order_fail() -> None:
    request = three_step_request()
    action = next_action(make_job(request, (record(request.steps[1]),)), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-004"


def test_JOB004_a_skipped_step_fails_the_job() -> None:
    request = three_step_request()
    records = (record(request.steps[0], StepStatus.SKIPPED), record(request.steps[1]))
    action = next_action(make_job(request, records), health_view(), NOW)
    assert isinstance(action, Fail)
    assert "skipped" in action.reason


def test_JOB004_unfinished_step_followed_by_another_fails() -> None:
    request = three_step_request()
    records = (record(request.steps[0], StepStatus.RUNNING), record(request.steps[1]))
    action = next_action(make_job(request, records), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-004"


def test_JOB004_plan_numbering_must_be_contiguous() -> None:
    request = make_request([enable_step(1), config_step(3)])
    action = next_action(make_job(request), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-004"


def test_all_steps_completed_is_complete() -> None:
    request = three_step_request()
    records = tuple(record(step) for step in request.steps)
    assert next_action(make_job(request, records), health_view(), NOW) == Complete()


def test_JOB005_completed_job_goes_to_audit() -> None:
    job, _, action = _run(make_job(three_step_request()), make_registry(), health_view())
    assert action == Complete()
    assert len(job.records) == 3
    assert job_transition(JobStatus.RUNNING, JobStatus.COMPLETED) is JobStatus.COMPLETED
    assert job_transition(JobStatus.COMPLETED, JobStatus.AUDIT_PENDING) is JobStatus.AUDIT_PENDING


def test_JOB002_health_gate_blocks_step_two_when_system_turns_unhealthy() -> None:
    request = three_step_request()
    job, registry, action = _run(make_job(request), make_registry(), health_view(), stop_after=1)
    assert action == StartStep(2)
    turned = apply_health(
        health_view(), health_signal("SYSTEM", HealthStatus.UNHEALTHY, observed_at=NOW)
    )
    job, _, action = _run(job, registry, turned)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-002"
    assert "step 2" in action.reason
    assert "SYSTEM is UNHEALTHY" in action.reason
    assert [r.number for r in job.records] == [1]


def test_JOB002_target_capability_unhealthy_blocks() -> None:
    request = make_request([disable_step(1, target=INCIDENTS)])
    view = health_view({INCIDENTS: HealthStatus.UNHEALTHY})
    action = next_action(make_job(request), view, NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-002"
    assert INCIDENTS in action.reason


def test_JOB002_other_capability_unhealthy_does_not_block() -> None:
    request = make_request([enable_step(1, target=LOGS)])
    view = health_view({INCIDENTS: HealthStatus.UNHEALTHY})
    assert next_action(make_job(request), view, NOW) == StartStep(1)


def test_JOB002_degraded_does_not_block() -> None:
    view = health_view({"SYSTEM": HealthStatus.DEGRADED, LOGS: HealthStatus.DEGRADED})
    assert next_action(make_job(make_request([enable_step(1)])), view, NOW) == StartStep(1)


def test_JOB002_stale_health_blocks() -> None:
    view = health_view(observed_at=NOW - timedelta(minutes=10))
    action = next_action(make_job(three_step_request()), view, NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-002"
    assert "stale" in action.reason


def test_JOB002_health_valid_until_exactly_now_still_counts() -> None:
    view = health_view(observed_at=NOW - timedelta(minutes=5))
    assert next_action(make_job(three_step_request()), view, NOW) == StartStep(1)


def test_JOB002_no_signal_blocks() -> None:
    action = next_action(make_job(three_step_request()), EMPTY_HEALTH_VIEW, NOW)
    assert isinstance(action, Fail)
    assert "no signal" in action.reason


def test_JOB002_target_without_signal_blocks() -> None:
    view = apply_health(EMPTY_HEALTH_VIEW, health_signal("SYSTEM"))
    action = next_action(make_job(make_request([enable_step(1)])), view, NOW)
    assert isinstance(action, Fail)
    assert f"health of {LOGS} is unknown" in action.reason


def test_JOB002_unknown_status_blocks() -> None:
    view = health_view({"SYSTEM": HealthStatus.UNKNOWN})
    action = next_action(make_job(three_step_request()), view, NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-002"


def test_JOB002_system_step_needs_only_system_health() -> None:
    view = apply_health(EMPTY_HEALTH_VIEW, health_signal("SYSTEM"))
    assert next_action(make_job(make_request([config_step(1)])), view, NOW) == StartStep(1)


def test_rollback_job_is_not_stranded_by_the_health_gate() -> None:
    request = make_request([disable_step(1, target=LOGS)], kind=JobKind.ROLLBACK)
    view = health_view({"SYSTEM": HealthStatus.UNHEALTHY})
    assert next_action(make_job(request), view, NOW) == StartStep(1)


def test_JOB001_step_outside_scope_fails_before_any_step() -> None:
    request = make_request([enable_step(1), enable_step(2, target="BILLING_EXPORT")], scope=[LOGS])
    action = next_action(make_job(request), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-001"
    assert "step 2 targets BILLING_EXPORT" in action.reason


def test_JOB001_system_target_is_always_in_scope() -> None:
    request = make_request([config_step(1)], scope=[LOGS])
    assert next_action(make_job(request), health_view(), NOW) == StartStep(1)


def test_JOB001_scope_applies_to_rollback_jobs_too() -> None:
    request = make_request([disable_step(1, target=INCIDENTS)], scope=[LOGS], kind=JobKind.ROLLBACK)
    action = next_action(make_job(request), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-001"


def test_duration_limit_fails_the_job() -> None:
    request = three_step_request(max_duration_ms=1_000)
    action = next_action(make_job(request, (record(request.steps[0]),)), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-DURATION"
    assert "max_duration_ms 1000" in action.reason


def test_duration_exactly_at_limit_is_allowed() -> None:
    request = three_step_request(max_duration_ms=5_000)
    assert next_action(make_job(request), health_view(), NOW) == StartStep(1)


def test_job_finished_in_time_stays_in_time_when_looked_at_later() -> None:
    request = make_request([enable_step(1)], max_duration_ms=10_000)
    records = (record(request.steps[0], at=T0 + timedelta(seconds=2)),)
    later = T0 + timedelta(hours=1)
    assert (
        next_action(make_job(request, records), health_view(observed_at=later), later) == Complete()
    )


def test_last_step_finishing_late_fails_the_job() -> None:
    request = make_request([enable_step(1)], max_duration_ms=1_000)
    records = (record(request.steps[0], at=T0 + timedelta(seconds=2)),)
    action = next_action(make_job(request, records), health_view(), NOW)
    assert isinstance(action, Fail)
    assert action.rule == "JOB-DURATION"


def test_failed_step_stops_a_driven_job_and_keeps_its_error() -> None:
    step = config_step(2, old_value=999, new_value=200)
    request = make_request([enable_step(1), step, disable_step(3)])
    job, registry, action = _run(make_job(request), make_registry(), health_view())
    assert isinstance(action, Fail)
    assert [r.status for r in job.records] == [StepStatus.COMPLETED, StepStatus.FAILED]
    assert registry.system_config["max_requests_per_minute"] == 100
    assert "old_value mismatch" in (job.records[1].error or "")


def test_step_records_carry_result_and_rollback_action() -> None:
    started = step_started(enable_step(1), T0)
    assert started.status is StepStatus.RUNNING
    assert started.started_at == T0
    outcome = StepOutcome(
        True, {"x": 1}, None, {"type": "capability_disable", "target": LOGS, "parameters": {}}
    )
    finished = step_finished(started, outcome, NOW)
    assert finished.status is StepStatus.COMPLETED
    assert finished.ended_at == NOW
    assert finished.result == {"x": 1}
    assert finished.rollback_action == outcome.rollback_action
    failed = step_finished(started, StepOutcome(False, error="nope"), NOW)
    assert failed.status is StepStatus.FAILED
    assert failed.error == "nope"
