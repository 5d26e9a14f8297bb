"""Whether a requested job may run (SM-001, SM-006, JOB-003)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.executor.domain.admission import Admission, KnownJob, admit_job
from govmesh.executor.domain.errors import JobAdmissionRefused
from govmesh.schemas import JobKind, JobStatus

from .factories import T0, disable_step, enable_step, make_request

pytestmark = pytest.mark.unit


def _refusal(call: object) -> str:
    assert callable(call)
    with pytest.raises(JobAdmissionRefused) as refused:
        call()
    return refused.value.rule


def test_first_execution_job_is_admitted() -> None:
    assert admit_job(make_request([enable_step(1)]), [], T0) is Admission.NEW


def test_redelivered_job_is_a_duplicate() -> None:
    request = make_request([enable_step(1)])
    known = [KnownJob(request.job_id, JobKind.EXECUTION, JobStatus.RUNNING)]
    assert admit_job(request, known, T0) is Admission.DUPLICATE


def test_SM006_second_execution_job_for_a_contract_is_refused() -> None:
    known = [KnownJob(uuid4(), JobKind.EXECUTION, JobStatus.CANCELLED)]
    assert _refusal(lambda: admit_job(make_request([enable_step(1)]), known, T0)) == "SM-006"


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.RUNNING])
def test_SM006_no_job_while_another_is_in_flight(status: JobStatus) -> None:
    other = uuid4()
    known = [KnownJob(other, JobKind.EXECUTION, status)]
    request = make_request([disable_step(1)], kind=JobKind.ROLLBACK, rolls_back_job_id=other)
    assert _refusal(lambda: admit_job(request, known, T0)) == "SM-006"


def test_SM001_execution_before_the_window_opens_is_refused() -> None:
    request = make_request([enable_step(1)])
    early = request.activation_window_start - timedelta(seconds=1)
    assert _refusal(lambda: admit_job(request, [], early)) == "SM-001"


def test_SM001_execution_after_the_window_closes_is_refused() -> None:
    request = make_request([enable_step(1)])
    late = request.activation_window_end + timedelta(seconds=1)
    assert _refusal(lambda: admit_job(request, [], late)) == "SM-001"


@pytest.mark.parametrize(
    "status", [JobStatus.FAILED, JobStatus.ROLLBACK_PENDING, JobStatus.AUDIT_PENDING]
)
def test_JOB003_rollback_of_a_failed_or_audited_job_is_admitted(status: JobStatus) -> None:
    failed = uuid4()
    known = [KnownJob(failed, JobKind.EXECUTION, status)]
    request = make_request([disable_step(1)], kind=JobKind.ROLLBACK, rolls_back_job_id=failed)
    late = request.activation_window_end + timedelta(days=2)
    assert admit_job(request, known, late) is Admission.NEW


@pytest.mark.parametrize(
    "status", [JobStatus.CANCELLED, JobStatus.ROLLED_BACK, JobStatus.ROLLBACK_FAILED]
)
def test_JOB003_rollback_of_a_settled_job_is_refused(status: JobStatus) -> None:
    target = uuid4()
    known = [KnownJob(target, JobKind.EXECUTION, status)]
    request = make_request([disable_step(1)], kind=JobKind.ROLLBACK, rolls_back_job_id=target)
    assert _refusal(lambda: admit_job(request, known, T0)) == "JOB-003"


def test_JOB003_rollback_of_an_unknown_job_is_refused() -> None:
    request = make_request([disable_step(1)], kind=JobKind.ROLLBACK, rolls_back_job_id=uuid4())
    assert _refusal(lambda: admit_job(request, [], T0)) == "JOB-003"


def test_JOB003_only_one_rollback_per_job() -> None:
    failed = uuid4()
    known = [
        KnownJob(failed, JobKind.EXECUTION, JobStatus.ROLLBACK_PENDING),
        KnownJob(uuid4(), JobKind.ROLLBACK, JobStatus.FAILED, rolls_back_job_id=failed),
    ]
    request = make_request([disable_step(1)], kind=JobKind.ROLLBACK, rolls_back_job_id=failed)
    assert _refusal(lambda: admit_job(request, known, T0)) == "JOB-003"
