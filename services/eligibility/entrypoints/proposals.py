"""Validated proposals in, eligibility verdicts out (SPEC §4): one verdict per proposal.

The verdict's event id is derived from the input event id and the rules version, so a
redelivered proposal yields the same event id and the contract authority's inbox drops
the repeat. The decision time comes from the injected clock and is recorded as
`evaluated_at`, together with the context versions, so the verdict can be replayed
(ELIG-001): `assess(proposal, snapshot, config, evaluated_at)` gives the same bytes.

Proposals are decided one after another in this process, each over the context current
at that moment, and a MAY verdict's claims are recorded before the next proposal is
decided, so two proposals for one capability in a row never both pass E-006 here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

import structlog

from govmesh.eligibility.adapters.context_view import ContextView
from govmesh.eligibility.domain import EligibilityConfig, EligibilityContext, assess
from govmesh.eligibility.entrypoints import metrics
from govmesh.mesh.codec import Delivery
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import BatchHandler, Outgoing
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.schemas import ProposalAssessed, ProposalValidated

log = structlog.get_logger(__name__)

ASSESSED = "proposals.assessed"
Clock = Callable[[], datetime]


def assessment_id(input_event_id: UUID, config: EligibilityConfig) -> UUID:
    """UUIDv5 of the input event id and the rules version: a re-run emits the same id."""
    return deterministic_id(input_event_id, config.rules_version)


def decide(
    proposal: ProposalValidated,
    input_event_id: UUID,
    context: EligibilityContext,
    config: EligibilityConfig,
    now: datetime,
) -> tuple[UUID, ProposalAssessed]:
    """The verdict's event id and message for one proposal over one snapshot (pure)."""
    return assessment_id(input_event_id, config), assess(proposal, context, config, now)


def proposal_handler(
    runtime: ServiceRuntime,
    view: ContextView,
    ready: Sequence[asyncio.Event],
    config: EligibilityConfig,
    clock: Clock,
    *,
    max_backoff_s: float = 5.0,
) -> BatchHandler:
    """Batch handler: wait for every context view, decide each proposal in order, publish."""

    async def handle(batch: list[Delivery]) -> None:
        # No decision over a half-loaded context: a missing health signal, registry entry
        # or open contract would decide wrongly (E-104, E-102, E-006).
        for event in ready:
            await event.wait()
        outgoing = []
        for delivery in batch:
            message = delivery.message
            if not isinstance(message, ProposalValidated):
                continue
            now = clock()
            view.expire(now)
            started = time.perf_counter()
            event_id, assessed = decide(
                message, delivery.envelope.event_id, view.context, config, now
            )
            metrics.DECISION_SECONDS.observe(time.perf_counter() - started)
            view.claim(message, assessed.eligibility, event_id)
            envelope = runtime.envelope(
                assessed,
                cause=delivery.envelope,
                event_id=event_id,
                correlation_id=message.issue_id,
            )
            outgoing.append(Outgoing(ASSESSED, str(message.issue_id), envelope))
            eligibility = assessed.eligibility
            log.info(
                "eligibility.verdict",
                issue_id=str(message.issue_id),
                event_id=str(event_id),
                decision=eligibility.decision.value,
                first_failing_rule=eligibility.first_failing_rule,
            )
        await _publish(runtime, outgoing, max_backoff_s)
        for item in outgoing:
            data = item.envelope.data["eligibility"]
            metrics.VERDICTS.labels(data["decision"], data["first_failing_rule"] or "none").inc()
        metrics.PENDING_CLAIMS.set(len(view.context.pending_claims))

    return handle


async def _publish(runtime: ServiceRuntime, outgoing: list[Outgoing], max_backoff_s: float) -> None:
    """Publish the batch, retrying transient failures here rather than returning.

    Returning an error to the consumer would not re-fetch this batch (its position has
    moved on), so the verdicts would be lost; retrying the same envelopes keeps
    at-least-once, and the deterministic ids make any repeat harmless.
    """
    backoff = 0.1
    while True:
        try:
            await runtime.producer.send_many(outgoing)
            return
        except RetryableError as exc:
            metrics.PUBLISH_RETRIES.inc()
            log.warning("eligibility.publish_retry", error=repr(exc), backoff=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff_s)
