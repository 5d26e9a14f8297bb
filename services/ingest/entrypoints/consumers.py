"""Batch handlers for `crm.events`, `proposals.validated` and `contracts.lifecycle`
(run inside `Transactional`), and the issue's hand-over to the Validator.

The topics are read by one consumer group (`govmesh.mesh.db.by_topic` routes each delivery): one
group join and one assignment at start-up instead of three, and one transaction per
fetched batch whatever it holds.

The issue lifecycle (SPEC §2) follows the Validator: an issue is stored RECEIVED, goes
VALIDATING once the broker acknowledged it on `issues.accepted` (`handed_over`, run by
the outbox relay), and VALIDATED — or VALIDATION_FAILED when the Validator could only
give its fallback verdict — when the verdict arrives on `proposals.validated`.

An event on `crm.events` passes the same checks as over HTTP. One that fails them
raises `Rejected("handler", <error code>, …)`: the runtime dead-letters it on
`ingest.dlq` with the error code as the reason and handles the rest of the batch.
Events the topic's schema already refuses never get here: the consume pipeline
dead-letters them first (check `schema`, reason `schema_invalid`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.ingest.adapters.repository import Stored, hand_over, move_issue, record_contract
from govmesh.ingest.domain import Invalid, IssueStatus
from govmesh.ingest.entrypoints.metrics import SUBMISSIONS
from govmesh.ingest.service_layer.intake import ACCEPTED_TOPIC, Clock, Intake
from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import OutboxWriter, PublishedHook, TxHandler
from govmesh.mesh.errors import Rejected
from govmesh.schemas import ContractLifecycle, CrmEvent, ProposalValidated, canonical_bytes


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


#: The reason of the Validator's fallback verdict starts so (SPEC §3): it could not judge.
FALLBACK_REASON = "Validator error:"


def verdicts(clock: Clock) -> TxHandler:
    """A verdict on an issue: VALIDATED, or VALIDATION_FAILED for the fallback verdict.

    A founder revision's verdict (it names a contract) is about a contract's new scope,
    not the issue: the issue keeps the status its first verdict gave it.
    """

    async def handle(conn: AsyncConnection, batch: list[Delivery], _: OutboxWriter) -> None:
        for delivery in batch:
            message = delivery.message
            if not isinstance(message, ProposalValidated) or message.contract_id is not None:
                continue
            reason = message.verdict.reason
            failed = reason.startswith(FALLBACK_REASON)
            await move_issue(
                conn,
                message.issue_id,
                IssueStatus.VALIDATION_FAILED if failed else IssueStatus.VALIDATED,
                reason=f"validator {message.verdict.validator_version}: {reason}"[:2000],
                at=clock(),
                causation_id=delivery.envelope.event_id,
            )

    return handle


def handed_over(clock: Clock) -> PublishedHook:
    """RECEIVED → VALIDATING for each issue the broker acknowledged on `issues.accepted`."""

    async def hook(conn: AsyncConnection, published: list[tuple[str, str]]) -> None:
        issue_ids = [UUID(key) for topic, key in published if topic == ACCEPTED_TOPIC]
        await hand_over(
            conn, issue_ids, reason=f"handed to the Validator on {ACCEPTED_TOPIC}", at=clock()
        )

    return hook


def contract_outcomes(clock: Clock) -> TxHandler:
    """Record each contract's newest state for the requester's status view (GATE-8)."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], _: OutboxWriter) -> None:
        for delivery in batch:
            message = delivery.message
            if isinstance(message, ContractLifecycle):
                await record_contract(conn, message.contract, clock())

    return handle


def _outcome(result: object) -> str:
    if isinstance(result, Stored):
        return "recurrence" if result.recurrence_of else "accepted"
    return "duplicate"
