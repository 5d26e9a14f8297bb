"""Batch handlers for `crm.events` and `contracts.lifecycle` (run inside `Transactional`).

Both topics are read by one consumer group (`by_topic` routes each delivery): one
group join and one assignment at start-up instead of two, and one transaction per
fetched batch whatever it holds.

An event on `crm.events` passes the same checks as over HTTP. One that fails them
raises `Rejected("handler", <error code>, …)`: the runtime dead-letters it on
`ingest.dlq` with the error code as the reason and handles the rest of the batch.
Events the topic's schema already refuses never get here: the consume pipeline
dead-letters them first (check `schema`, reason `schema_invalid`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.ingest.adapters.repository import Stored, record_contract
from govmesh.ingest.domain import Invalid
from govmesh.ingest.entrypoints.metrics import SUBMISSIONS
from govmesh.ingest.service_layer.intake import Clock, Intake
from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import OutboxWriter, TxHandler
from govmesh.mesh.errors import Rejected
from govmesh.schemas import ContractLifecycle, CrmEvent, canonical_bytes


def crm_events(intake: Intake, clock: Clock) -> TxHandler:
    """Receive CRM events from Kafka exactly as `POST /api/v1/governance/events` does."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        # Check the whole batch before writing: a refusal makes the runtime retry the
        # batch one by one, and nothing of this attempt should have been counted.
        checked: list[tuple[Delivery, CrmEvent, datetime]] = []
        for delivery in batch:
            now = clock()
            raw = delivery.envelope.data
            result = intake.check(raw, len(canonical_bytes(raw)), now)
            if isinstance(result, Invalid):
                raise Rejected(
                    "handler",
                    result.first.error_code.value,
                    "; ".join(e.message for e in result.errors),
                    delivery.envelope.producer.value,
                )
            checked.append((delivery, result, now))
        for delivery, event, now in checked:
            stored = await intake.store(
                conn, outbox, event, now=now, ingress="kafka", cause=delivery.envelope
            )
            SUBMISSIONS.labels("kafka", _outcome(stored)).inc()

    return handle


def contract_outcomes(clock: Clock) -> TxHandler:
    """Record each contract's newest state for the requester's status view (GATE-8)."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], _: OutboxWriter) -> None:
        for delivery in batch:
            message = delivery.message
            if isinstance(message, ContractLifecycle):
                await record_contract(conn, message.contract, clock())

    return handle


def by_topic(handlers: Mapping[str, TxHandler]) -> TxHandler:
    """One handler over several topics: each topic's deliveries, in batch order, to its own."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        for name, handler in handlers.items():
            mine = [d for d in batch if d.topic == name]
            if mine:
                await handler(conn, mine, outbox)

    return handle


def _outcome(result: object) -> str:
    if isinstance(result, Stored):
        return "recurrence" if result.recurrence_of else "accepted"
    return "duplicate"
