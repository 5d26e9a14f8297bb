"""Property: steps run strictly in order, one at a time, and never after a failure (JOB-004)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govmesh.executor.domain.runner import (
    Complete,
    Fail,
    JobState,
    StartStep,
    next_action,
    step_finished,
    step_started,
)
from govmesh.executor.domain.steps import StepOutcome
from govmesh.schemas import HealthStatus, StepStatus

from .factories import LOGS, T0, enable_step, health_view, make_request

pytestmark = pytest.mark.unit

NOW = T0 + timedelta(seconds=1)

# One entry per step attempt: did it succeed, did the executor crash mid-step, and what is
# SYSTEM health when the runner decides.
attempts = st.lists(
    st.tuples(
        st.booleans(),
        st.booleans(),
        st.sampled_from([HealthStatus.HEALTHY, HealthStatus.DEGRADED, HealthStatus.UNHEALTHY]),
    ),
    min_size=1,
    max_size=8,
)


@settings(database=None)
@given(size=st.integers(min_value=1, max_value=6), script=attempts)
def test_JOB004_runner_never_skips_ahead_and_never_continues_after_failure(
    size: int, script: list[tuple[bool, bool, HealthStatus]]
) -> None:
    request = make_request([enable_step(n, target=LOGS) for n in range(1, size + 1)], scope=[LOGS])
    job = JobState(request=request, started_at=T0)
    final: StartStep | Fail | Complete | None = None
    for succeeds, crashes, system in script:
        view = health_view({"SYSTEM": system})
        action = next_action(job, view, NOW)
        if not isinstance(action, StartStep):
            final = action
            break
        assert system is not HealthStatus.UNHEALTHY, "a step started past the health gate"
        previous = job.records
        assert all(r.status is StepStatus.COMPLETED for r in previous[: action.number - 1])
        assert not any(r.status is StepStatus.FAILED for r in previous)
        if action.resume:
            assert previous[-1].number == action.number
            assert previous[-1].status is StepStatus.RUNNING
            previous = previous[:-1]
        else:
            assert action.number == len(previous) + 1
        started = step_started(request.steps[action.number - 1], NOW)
        if crashes:
            job = JobState(request, T0, (*previous, started))
            continue
        outcome = StepOutcome(ok=succeeds, error=None if succeeds else "step failed")
        job = JobState(request, T0, (*previous, step_finished(started, outcome, NOW)))
    else:
        final = next_action(job, health_view(), NOW)
    statuses = [r.status for r in job.records]
    if StepStatus.FAILED in statuses:
        assert isinstance(final, Fail)
        assert statuses.index(StepStatus.FAILED) == len(statuses) - 1
    if isinstance(final, Complete):
        assert statuses == [StepStatus.COMPLETED] * size
    assert [r.number for r in job.records] == list(range(1, len(job.records) + 1))
