"""Completed jobs in, audit verdicts out (SPEC §8): one verdict per completed execution job.

Each auditable event of a batch is audited concurrently and its verdict published as soon
as it is decided; the batch is committed once all are published (at least once). The event
id and the audit id derive from (job id, attempt, auditor version), so a redelivered or
replayed job event yields the same ids and downstream inboxes drop the repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

from govmesh.auditor import metrics
from govmesh.auditor.domain.audit import AUDITOR_VERSION
from govmesh.auditor.domain.evidence import is_auditable
from govmesh.auditor.service_layer.auditing import Auditing
from govmesh.mesh.codec import Delivery
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import BatchHandler, Outgoing
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.schemas import JobEvent

VERDICTS = "audits.verdicts"


def verdict_event_id(job_id: UUID, attempt: int) -> UUID:
    """The verdict's envelope id: UUIDv5 of job id, attempt and auditor version."""
    return deterministic_id(job_id, attempt, AUDITOR_VERSION)


def jobs_handler(
    runtime: ServiceRuntime, auditing: Auditing, ready: Callable[[], Awaitable[None]]
) -> BatchHandler:
    """Batch handler: wait for the views, audit each completed job, publish, then commit."""

    async def audit_one(delivery: Delivery, event: JobEvent) -> None:
        with metrics.AUDIT_SECONDS.time():
            verdict = await auditing.audit(event)
        envelope = runtime.envelope(
            verdict,
            cause=delivery.envelope,
            event_id=verdict_event_id(verdict.job_id, verdict.attempt),
        )
        await runtime.producer.send(Outgoing(VERDICTS, str(verdict.contract_id), envelope))
        metrics.VERDICTS.labels(verdict.verdict.value).inc()
        metrics.AUDIT_DURATION_MS.observe(verdict.duration_ms)

    async def handle(batch: list[Delivery]) -> None:
        await ready()
        audits = []
        for delivery in batch:
            event = delivery.message
            if isinstance(event, JobEvent) and is_auditable(event):
                audits.append(audit_one(delivery, event))
            else:
                metrics.SKIPPED.inc()
        # Let every audit finish before failing the batch, so one error does not abandon
        # the others half-way; the retried batch re-emits the same ids.
        outcomes = await asyncio.gather(*audits, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    return handle
