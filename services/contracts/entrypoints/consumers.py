"""Topic → handler dispatch of the contracts consumer group (inside `Transactional`).

`topic_handlers(deps)` is the dispatch table: one `TxHandler` per consumed topic, each
given only its own deliveries, in batch order, inside the batch's one transaction
(inbox + state + outbox). To consume a new topic, add it here and to `CONSUMED` (and
the principal must be a consumer in the topic registry); `app.build` subscribes to
`CONSUMED`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.entrypoints.outcome_consumers import (
    JOB_EVENTS_TOPIC,
    VERDICTS_TOPIC,
    job_events,
    verdicts,
)
from govmesh.contracts.metrics import DECISIONS
from govmesh.contracts.service_layer.deps import Deps
from govmesh.contracts.service_layer.intake import receive_assessment
from govmesh.contracts.service_layer.review import receive_decision
from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import OutboxWriter, TxHandler
from govmesh.schemas import FounderDecision, ProposalAssessed

ASSESSED = "proposals.assessed"
DECISIONS_TOPIC = "founder.decisions"

#: The topics of `topic_handlers`, known before the handlers are built (the runtime
#: declares them up front); keep the two in step.
CONSUMED: tuple[str, ...] = (ASSESSED, DECISIONS_TOPIC, JOB_EVENTS_TOPIC, VERDICTS_TOPIC)


def assessments(deps: Deps) -> TxHandler:
    """`proposals.assessed` → a contract per proposal (SPEC §5 step 4)."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        repo = ContractRepository(conn, outbox, deps.publisher, deps.policy)
        for delivery in batch:
            if isinstance(delivery.message, ProposalAssessed):
                await receive_assessment(repo, delivery.message, deps, delivery.envelope)

    return handle


def decisions(deps: Deps) -> TxHandler:
    """`founder.decisions` → review actions and job cancels (SPEC §6)."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        repo = ContractRepository(conn, outbox, deps.publisher, deps.policy)
        for delivery in batch:
            if isinstance(delivery.message, FounderDecision):
                record = await receive_decision(repo, delivery.message, deps, delivery.envelope)
                DECISIONS.labels(record.action.value, record.result.value, record.rule or "").inc()

    return handle


def topic_handlers(deps: Deps) -> dict[str, TxHandler]:
    """The dispatch table of the contracts consumer group."""
    return {
        ASSESSED: assessments(deps),
        DECISIONS_TOPIC: decisions(deps),
        # A job's FINISHED before its verdict when both are in one batch.
        JOB_EVENTS_TOPIC: job_events(deps),
        VERDICTS_TOPIC: verdicts(deps),
    }
