"""`audits.verdicts` and `jobs.events` handlers of the contracts consumer group.

Listed in `entrypoints.consumers.topic_handlers`; each runs inside the batch's one
transaction (inbox + state + outbox) and passes every delivery's envelope on as the
cause of what it produces.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.service_layer.deps import Deps
from govmesh.contracts.service_layer.outcome import receive_job_event, receive_verdict
from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import OutboxWriter, TxHandler
from govmesh.schemas import AuditVerdict, JobEvent, JobEventKind

VERDICTS_TOPIC = "audits.verdicts"
JOB_EVENTS_TOPIC = "jobs.events"


def verdicts(deps: Deps) -> TxHandler:
    """`audits.verdicts` → COMPLETED / FAILED / escalated, rollout, rollback (SPEC §8, §9)."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        repo = ContractRepository(conn, outbox, deps.publisher, deps.policy)
        for delivery in batch:
            if isinstance(delivery.message, AuditVerdict):
                await receive_verdict(repo, delivery.message, deps, delivery.envelope)

    return handle


def changes_state(delivery: Delivery) -> bool:
    """Only a job's FINISHED or CANCELLED event can change a contract (`receive_job_event`);
    its STARTED and step events are passed over without a transaction."""
    message = delivery.message
    if isinstance(message, JobEvent):
        return message.event in (JobEventKind.FINISHED, JobEventKind.CANCELLED)
    return True


def job_events(deps: Deps) -> TxHandler:
    """`jobs.events` → audit timeout armed, job failure, rollback results (SPEC §5, §7)."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        repo = ContractRepository(conn, outbox, deps.publisher, deps.policy)
        for delivery in batch:
            if isinstance(delivery.message, JobEvent):
                await receive_job_event(repo, delivery.message, deps, delivery.envelope)

    return handle
