"""`jobs.requested` in (run inside `Transactional`: inbox + job rows + outbox, one transaction).

A JobRequested is admitted by the domain (SM-001, SM-006, JOB-003) and recorded PENDING,
leased to this executor (a refused execution job is answered FINISHED FAILED, naming the
rule, so its contract fails instead of waiting); only after that transaction commits
does the runtime commit the offset, and only then is the job started as a task, so a
request is never lost and the consumer loop never waits for a job to run. A
JobCancelRequested cancels a job that is still PENDING (CANCELLED, with a JobEvent
CANCELLED); any other job ignores it, logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.executor.adapters import job_store as store
from govmesh.executor.domain.admission import Admission, admit_job
from govmesh.executor.domain.errors import JobAdmissionRefused
from govmesh.executor.entrypoints import metrics
from govmesh.executor.service_layer.events import job_event
from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import OutboxWriter, Transactional
from govmesh.mesh.kafka import BatchHandler
from govmesh.mesh.signing import Signer
from govmesh.schemas import (
    JobCancelRequested,
    JobEventKind,
    JobKind,
    JobRequested,
    JobStatus,
)

log = structlog.get_logger(__name__)


class Intake:
    """The transactional handler; `admitted` lists the jobs the last committed batch recorded."""

    def __init__(
        self, *, owner: str, lease: timedelta, signer: Signer, clock: Callable[[], datetime]
    ) -> None:
        self._owner = owner
        self._lease = lease
        self._signer = signer
        self._clock = clock
        self.admitted: list[UUID] = []

    async def __call__(
        self, conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter
    ) -> None:
        for delivery in batch:
            message = delivery.message
            if isinstance(message, JobRequested):
                await self._request(conn, outbox, delivery, message)
            elif isinstance(message, JobCancelRequested):
                await self._cancel(conn, outbox, delivery, message)

    async def _request(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        delivery: Delivery,
        request: JobRequested,
    ) -> None:
        now = self._clock()
        known = await store.known_jobs(conn, request.contract_id)
        try:
            admission = admit_job(request, known, now)
        except JobAdmissionRefused as refused:
            metrics.ADMISSIONS.labels(refused.rule).inc()
            log.warning(
                "executor.job_refused",
                job_id=str(request.job_id),
                contract_id=str(request.contract_id),
                rule=refused.rule,
                detail=refused.message,
            )
            if request.kind is JobKind.EXECUTION:
                # Answer it, or the contract waits for a job that will never run: a
                # FINISHED FAILED event with no steps fails the contract with nothing
                # to roll back (the job is not stored; nothing of it ever ran).
                outbox.add(
                    job_event(
                        self._signer,
                        request,
                        JobEventKind.FINISHED,
                        JobStatus.FAILED,
                        now,
                        label="REFUSED",
                        cause=delivery.envelope,
                        finished_at=now,
                        error=f"refused by the executor ({refused.rule}): {refused.message}",
                    )
                )
            return
        metrics.ADMISSIONS.labels(admission.value).inc()
        if admission is Admission.DUPLICATE:
            log.info("executor.job_duplicate", job_id=str(request.job_id))
            return
        created = await store.insert_job(
            conn,
            request,
            envelope=delivery.envelope,
            owner=self._owner,
            now=now,
            lease=self._lease,
        )
        if not created:
            log.warning("executor.job_conflict", job_id=str(request.job_id))
            return
        if request.kind is JobKind.ROLLBACK and request.rolls_back_job_id is not None:
            target = await store.lock_job(conn, request.rolls_back_job_id)
            if target is not None and target.status == JobStatus.FAILED.value:
                await store.update_job(
                    conn,
                    request.rolls_back_job_id,
                    status=JobStatus.ROLLBACK_PENDING.value,
                    updated_at=now,
                )
        self.admitted.append(request.job_id)
        log.info("executor.job_admitted", job_id=str(request.job_id), kind=request.kind.value)

    async def _cancel(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        delivery: Delivery,
        cancel: JobCancelRequested,
    ) -> None:
        row = await store.lock_job(conn, cancel.job_id)
        if row is None or row.contract_id != cancel.contract_id:
            metrics.CANCELS.labels("unknown_job").inc()
            log.warning("executor.cancel_ignored", job_id=str(cancel.job_id), why="unknown job")
            return
        if row.status != JobStatus.PENDING.value:
            metrics.CANCELS.labels("not_pending").inc()
            log.warning(
                "executor.cancel_ignored",
                job_id=str(cancel.job_id),
                why=f"job is {row.status}; only a PENDING job can be cancelled (SPEC §7)",
            )
            return
        now = self._clock()
        reason = f"cancelled by {cancel.requested_by}: {cancel.reason}"
        await store.update_job(
            conn,
            cancel.job_id,
            status=JobStatus.CANCELLED.value,
            outcome=JobStatus.CANCELLED.value,
            finished_at=now,
            error=reason,
            updated_at=now,
        )
        outbox.add(
            job_event(
                self._signer,
                store.request_of(row),
                JobEventKind.CANCELLED,
                JobStatus.CANCELLED,
                now,
                label="CANCELLED",
                cause=delivery.envelope,
                finished_at=now,
                error=reason,
            )
        )
        metrics.CANCELS.labels("cancelled").inc()
        metrics.JOBS.labels(row.kind, JobStatus.CANCELLED.value).inc()
        log.info("executor.job_cancelled", job_id=str(cancel.job_id))


def requests_handler(
    intake: Intake, transactional: Transactional, launch: Callable[[UUID], None]
) -> BatchHandler:
    """Record the batch (then the runtime commits offsets), then start its new jobs as tasks."""

    async def handle(batch: list[Delivery]) -> None:
        intake.admitted = []
        await transactional(batch)
        admitted, intake.admitted = intake.admitted, []
        for job_id in admitted:
            launch(job_id)

    return handle
