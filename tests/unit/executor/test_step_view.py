"""The steps an operator sees: the whole plan, with PENDING and SKIPPED for steps not run."""

from __future__ import annotations

import pytest

from govmesh.executor.domain.step_view import step_view
from govmesh.schemas import JobStatus, StepStatus

from .factories import record, three_step_request

pytestmark = pytest.mark.unit


def test_step_PENDING_steps_not_yet_reached_while_the_job_runs() -> None:
    plan = three_step_request().steps
    view = step_view(
        plan, [record(plan[0]), record(plan[1], StepStatus.RUNNING)], JobStatus.RUNNING
    )
    assert [(s.number, s.status) for s in view] == [
        (1, StepStatus.COMPLETED),
        (2, StepStatus.RUNNING),
        (3, StepStatus.PENDING),
    ]
    assert view[2].started_at is None and view[2].parameters == plan[2].parameters


def test_step_PENDING_every_step_of_a_job_not_yet_claimed() -> None:
    plan = three_step_request().steps
    assert {s.status for s in step_view(plan, [], JobStatus.PENDING)} == {StepStatus.PENDING}


def test_step_SKIPPED_steps_after_the_first_failure_never_run() -> None:
    plan = three_step_request().steps
    ran = [record(plan[0]), record(plan[1], StepStatus.FAILED, error="old_value mismatch")]
    for ended in (JobStatus.FAILED, JobStatus.ROLLBACK_PENDING, JobStatus.ROLLED_BACK):
        view = step_view(plan, ran, ended)
        assert [s.status for s in view] == [
            StepStatus.COMPLETED,
            StepStatus.FAILED,
            StepStatus.SKIPPED,
        ]
        assert view[:2] == ran  # recorded steps are shown exactly as recorded


def test_step_SKIPPED_a_cancelled_job_ran_nothing() -> None:
    plan = three_step_request().steps
    assert {s.status for s in step_view(plan, [], JobStatus.CANCELLED)} == {StepStatus.SKIPPED}
